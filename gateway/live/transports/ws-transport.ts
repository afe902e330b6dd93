// Raw WebSocket transport (`ws`) at /ws: the upgrade is checked (Origin, token) before the socket
// opens; text frames carry the protocol's JSON. maxPayload closes oversize frames with 1009, pings
// drop dead peers, and a peer whose send buffer passes its bound is cut off without waiting for it.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import * as wsModule from "ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { AccessClaims, AccessTokens } from "../../../src/auth/access-tokens.ts";
import type { Frame, LiveConnection } from "../frame.ts";
import { checkHandshake } from "../handshake.ts";
import type { LiveService } from "../live-service.ts";
import { LiveSession } from "../session.ts";

export const WS_PATH = "/ws";

/** The parts of ws's (untyped) Sender used to write one pre-built frame to many sockets. */
interface FrameSender {
  _state: number;
  sendFrame(list: Buffer[], cb?: () => void): void;
}
const Sender = (wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender;

/** A whole unmasked text frame (header + payload) built once, written as is to every socket. */
function textFrame(text: string): Buffer {
  const parts = Sender.frame(Buffer.from(text), {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: false,
  });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404, code: string, message: string) {
  const body = JSON.stringify({ error: { code, message } });
  const reason = { 401: "Unauthorized", 403: "Forbidden", 404: "Not Found" }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

class WsConnection implements LiveConnection {
  readonly id = randomUUID();
  readonly transport = "ws" as const;
  alive = true;
  constructor(
    private readonly socket: WebSocket,
    private readonly service: LiveService,
  ) {}

  send(frame: Frame) {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.service.limits.maxBufferedBytes) {
      // It stopped reading: a close frame would never reach it either.
      this.service.metrics.slowConsumers.inc({ transport: "ws" });
      this.socket.terminate();
      return;
    }
    const sender = (this.socket as unknown as { _sender?: FrameSender })._sender;
    if (sender && sender._state === 0) {
      sender.sendFrame([frame.as("ws-frame", textFrame)]);
      return;
    }
    this.socket.send(frame.text, { binary: false });
  }

  close(code: number, reason: string) {
    this.socket.close(code, reason);
  }
}

export function attachWsTransport(server: Server, service: LiveService, tokens: AccessTokens) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: service.limits.maxPayloadBytes,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const connections = new Map<WebSocket, WsConnection>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (path.startsWith("/socket.io/")) return; // socket.io's own upgrade handler takes it
    if (path !== WS_PATH) {
      socket.on("error", () => {});
      refuseUpgrade(socket, 404, "not_found", `no WebSocket endpoint at ${path}; use ${WS_PATH}`);
      return;
    }
    socket.on("error", () => {});
    checkHandshake(req, service.limits.allowedOrigins, tokens)
      .then((result) => {
        if (!result.ok) {
          service.metrics.refused.inc({ transport: "ws", reason: result.code });
          return refuseUpgrade(socket, result.status, result.code, result.message);
        }
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, result.user));
      })
      .catch(() => socket.destroy());
  };

  const onConnection = (ws: WebSocket, user: AccessClaims | undefined) => {
    const conn = new WsConnection(ws, service);
    connections.set(ws, conn);
    service.metrics.connections.inc({ transport: "ws" });
    const session = new LiveSession(conn, user, service);
    ws.on("pong", () => {
      conn.alive = true;
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) session.receiveUnreadable("binary frames are not part of the protocol; send JSON text");
      else session.receiveText(data.toString());
    });
    ws.on("error", () => {});
    ws.once("close", () => {
      connections.delete(ws);
      service.metrics.connections.dec({ transport: "ws" });
      session.close();
    });
    session.start();
  };

  const heartbeat = setInterval(() => {
    for (const [ws, conn] of connections) {
      if (!conn.alive) {
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }, service.limits.pingIntervalMs);
  heartbeat.unref();

  server.on("upgrade", onUpgrade);
  return {
    wss,
    connectionCount: () => connections.size,
    async close() {
      clearInterval(heartbeat);
      server.off("upgrade", onUpgrade);
      for (const ws of connections.keys()) ws.close(1001, "server going away");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of connections.keys()) ws.terminate();
    },
  };
}
