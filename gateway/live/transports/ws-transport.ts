// Raw WebSocket transport (`ws`) at /ws: the upgrade is checked (Origin, token) before the socket
// opens; text frames carry the protocol's JSON. maxPayload closes oversize frames with 1009, pings
// drop dead peers, and a peer whose send buffer passes its bound is cut off without waiting for it.
// Server frames are built once as whole WebSocket frames and written straight to the TCP socket,
// one write per socket per event-loop turn (several frames of a turn joined once per cell).

import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import * as wsModule from "ws";
import { type WebSocket, WebSocketServer } from "ws";
import type { AccessClaims } from "../../../src/auth/access-tokens.ts";
import { clientIpOfRequest } from "../../http/client-ip.ts";
import { refusalCloseCodes } from "../connection-limits.ts";
import type { Frame, LiveConnection } from "../frame.ts";
import { checkHandshake, logRefusal } from "../handshake.ts";
import { HeartbeatWheel } from "../heartbeat-wheel.ts";
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
export function textFrame(text: string): Buffer {
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

/** What the transport reads of ws's WebSocket beyond its typed API: the TCP socket and the Sender. */
interface WsInternals {
  _socket?: Socket;
  _sender?: FrameSender;
}

const CONNECTION = Symbol("liveConnection");
type LiveWebSocket = WebSocket & { [CONNECTION]: WsConnection };

/**
 * Frames queued during one turn of the event loop and written together afterwards: several frames
 * for one socket (a burst of deltas read from Redis in one chunk) go out in a single write, and a
 * delta's bytes are written straight to the TCP socket, the same Buffer for every watcher.
 */
class WriteBatcher {
  private dirty: WsConnection[] = [];
  private scheduled = false;
  /** The last multi-frame batch joined into one Buffer, for the next socket with the same frames. */
  private batchFirst: Frame | null = null;
  private batchMore: Frame[] = [];
  private batchBytes: Buffer | null = null;
  private readonly flushAll = () => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (const conn of dirty) conn.flush();
    this.batchFirst = null;
    this.batchMore = [];
    this.batchBytes = null;
  };

  add(conn: WsConnection) {
    this.dirty.push(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /**
   * Several frames for one socket as one Buffer (the WebSocket frames back to back). Watchers of a
   * cell are queued one after another and get the same frames in a turn, so the Buffer is built once
   * per cell and written whole to each of them: one plain write instead of a corked writev of N parts.
   */
  joined(first: Frame, more: readonly Frame[]): Buffer {
    if (first === this.batchFirst && sameFrames(more, this.batchMore) && this.batchBytes !== null) {
      return this.batchBytes;
    }
    const parts = [first.as("ws-frame", textFrame)];
    for (const frame of more) parts.push(frame.as("ws-frame", textFrame));
    const bytes = Buffer.concat(parts);
    this.batchFirst = first;
    this.batchMore = [...more];
    this.batchBytes = bytes;
    return bytes;
  }
}

function sameFrames(a: readonly Frame[], b: readonly Frame[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

let nextConnectionId = 0;

class WsConnection implements LiveConnection {
  readonly id = `ws-${(nextConnectionId++).toString(36)}`;
  readonly transport = "ws" as const;
  alive = true;
  session: LiveSession | undefined;
  /** The client address whose connection slot this connection holds. */
  address = "";
  /** The first frame waiting for this turn's flush (null when none), and any after it. */
  private first: Frame | null = null;
  private more: Frame[] | null = null;
  constructor(
    private readonly socket: WebSocket,
    private readonly service: LiveService,
    private readonly batcher: WriteBatcher,
  ) {}

  send(frame: Frame) {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.service.limits.maxBufferedBytes) {
      // It stopped reading: a close frame would never reach it either.
      this.service.metrics.slowConsumers.inc({ transport: "ws" });
      this.first = null;
      this.more = null;
      this.socket.terminate();
      return;
    }
    // The common case (one frame per socket per turn) allocates nothing.
    if (this.first === null) {
      this.first = frame;
      this.batcher.add(this);
    } else if (this.more === null) this.more = [frame];
    else this.more.push(frame);
  }

  flush() {
    const first = this.first;
    const more = this.more;
    this.first = null;
    this.more = null;
    if (first === null || this.socket.readyState !== this.socket.OPEN) return;
    const { _socket: tcp, _sender: sender } = this.socket as unknown as WsInternals;
    if (!tcp || !sender || sender._state !== 0) {
      // ws is busy with a frame of its own: let it queue ours in order.
      this.socket.send(first.text, { binary: false });
      for (const frame of more ?? []) this.socket.send(frame.text, { binary: false });
      return;
    }
    tcp.write(more === null ? first.as("ws-frame", textFrame) : this.batcher.joined(first, more));
  }

  close(code: number, reason: string) {
    this.flush(); // what was said before (e.g. the error explaining the close) goes first
    this.socket.close(code, reason);
  }
}

function connectionOf(ws: WebSocket): WsConnection {
  return (ws as LiveWebSocket)[CONNECTION];
}

// Listeners shared by every socket (`this` is the socket): no closures kept per connection.
function onPong(this: WebSocket) {
  connectionOf(this).alive = true;
}
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean) {
  const session = connectionOf(this).session;
  if (!session) return;
  if (isBinary) session.receiveUnreadable("binary frames are not part of the protocol; send JSON text");
  else session.receiveText(data.toString());
}
function ignoreError() {}

export function attachWsTransport(server: Server, service: LiveService) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: service.limits.maxPayloadBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const sockets = new Set<WebSocket>();
  const batcher = new WriteBatcher();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://gateway").pathname;
    if (path.startsWith("/socket.io/")) return; // socket.io's own upgrade handler takes it
    if (path !== WS_PATH) {
      socket.on("error", ignoreError);
      logRefusal(service, "ws", req, "not_found");
      refuseUpgrade(socket, 404, "not_found", `no WebSocket endpoint at ${path}; use ${WS_PATH}`);
      return;
    }
    socket.on("error", ignoreError);
    checkHandshake(req, service.limits.allowedOrigins, service.identity)
      .then((result) => {
        if (!result.ok) {
          service.metrics.refused.inc({ transport: "ws", reason: result.code });
          logRefusal(service, "ws", req, result.code);
          return refuseUpgrade(socket, result.status, result.code, result.message);
        }
        const address = clientIpOfRequest(req, service.limits.trustProxy);
        wss.handleUpgrade(req, socket, head, (ws) => {
          const refusal = service.connections.admit(address);
          if (refusal === undefined) return onConnection(ws, result.user, address);
          // Over a cap: the socket opened only to be closed with a code that says why.
          service.metrics.connectionsRefused.inc({ transport: "ws", reason: refusal });
          ws.on("error", ignoreError);
          ws.close(refusalCloseCodes[refusal], refusal);
        });
      })
      .catch((error: unknown) => {
        service.logger.warn({ err: error, transport: "ws" }, "live: handshake check failed");
        socket.destroy();
      });
  };

  function onClose(this: WebSocket) {
    const conn = connectionOf(this);
    sockets.delete(this);
    heartbeat.delete(this);
    service.metrics.connections.dec({ transport: "ws" });
    service.connections.release(conn.address);
    conn.session?.close();
  }

  const onConnection = (ws: WebSocket, user: AccessClaims | undefined, address: string) => {
    const conn = new WsConnection(ws, service, batcher);
    conn.address = address;
    (ws as LiveWebSocket)[CONNECTION] = conn;
    sockets.add(ws);
    heartbeat.add(ws);
    service.metrics.connections.inc({ transport: "ws" });
    conn.session = new LiveSession(conn, user, service);
    ws.on("pong", onPong);
    ws.on("message", onMessage);
    ws.on("error", ignoreError);
    ws.on("close", onClose); // emitted once; `once` would wrap it in a closure per socket
    conn.session.start();
  };

  // Every socket is pinged once per interval, a slice at a time; one that did not answer the
  // previous ping is dropped.
  const heartbeat = new HeartbeatWheel<WebSocket>(service.limits.pingIntervalMs, (ws) => {
    const conn = connectionOf(ws);
    if (!conn.alive) {
      ws.terminate();
      return;
    }
    conn.alive = false;
    ws.ping();
  });
  heartbeat.start();

  server.on("upgrade", onUpgrade);
  return {
    wss,
    connectionCount: () => sockets.size,
    async close() {
      heartbeat.stop();
      server.off("upgrade", onUpgrade);
      for (const ws of sockets) ws.close(1001, "server going away");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of sockets) ws.terminate();
    },
  };
}
