// socket.io transport: namespace /live, WebSocket transport only, with the sharded Redis adapter
// (SSUBSCRIBE/SPUBLISH, Redis 7) so socket.io rooms and emits reach every gateway process. Every
// protocol message travels as the event "message" whose argument is the protocol's JSON object;
// server frames are written pre-encoded (one packet string and one WebSocket frame per frame, shared
// by all sockets).
import type { Server as HttpServer, IncomingMessage } from "node:http";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { Server, type Socket } from "socket.io";
import type { AccessClaims } from "../../../src/auth/access-tokens.ts";
import type { Redis } from "../../../src/storage/redis.ts";
import { clientIpOfRequest } from "../../http/client-ip.ts";
import { type ConnectionRefusal, refusalMessages } from "../connection-limits.ts";
import type { Frame, LiveConnection } from "../frame.ts";
import { checkHandshake, logRefusal } from "../handshake.ts";
import type { LiveService } from "../live-service.ts";
import { LiveSession } from "../session.ts";
import { textFrame } from "./ws-transport.ts";

export const SOCKET_IO_NAMESPACE = "/live";
export const SOCKET_IO_EVENT = "message";
const HANDSHAKE_USER = Symbol("liveUser");
/** On the engine socket: the refusal of the connection caps, if it got no slot. */
const REFUSAL = Symbol("liveRefusal");
/** How long an engine connection refused by the caps may stay open without asking for /live. */
const REFUSED_GRACE_MS = 5000;
const SESSION = Symbol("liveSession");
type LiveSocket = Socket & { [SESSION]: LiveSession };

type HandshakeRequest = IncomingMessage & { [HANDSHAKE_USER]?: AccessClaims };

/** An engine.io socket as far as we look into it: its write buffer and its ws transport's buffer. */
interface EngineSocket {
  readyState: string;
  writeBuffer: Array<{ data?: unknown }>;
  transport: { socket?: { bufferedAmount?: number } };
  write(data: string, options?: { wsPreEncodedFrame?: Buffer[] }): void;
}

class SocketIoConnection implements LiveConnection {
  readonly transport = "socket.io" as const;
  constructor(
    private readonly socket: Socket,
    private readonly service: LiveService,
  ) {}

  get id() {
    return this.socket.id;
  }

  private buffered(engine: EngineSocket): number {
    let bytes = engine.transport.socket?.bufferedAmount ?? 0;
    if (bytes > this.service.limits.maxBufferedBytes) return bytes;
    for (const packet of engine.writeBuffer)
      bytes += typeof packet.data === "string" ? packet.data.length : 0;
    return bytes;
  }

  send(frame: Frame) {
    const engine = this.socket.conn as unknown as EngineSocket;
    if (engine.readyState !== "open") return;
    if (this.buffered(engine) > this.service.limits.maxBufferedBytes) {
      this.service.metrics.slowConsumers.inc({ transport: "socket.io" });
      this.socket.disconnect(true);
      (this.socket.conn as unknown as { close(discard?: boolean): void }).close(true);
      return;
    }
    // socket.io packet type 2 (EVENT) for our namespace: what emit("message", obj) would produce.
    const packet = frame.as("socket.io", (text) => `2${SOCKET_IO_NAMESPACE},["${SOCKET_IO_EVENT}",${text}]`);
    // Its whole WebSocket frame (engine.io message "4" + packet), built once per frame: engine.io's
    // ws transport writes it as is (what socket.io's own broadcasts do), instead of framing per socket.
    const wsFrame = frame.as("socket.io-ws", () => [textFrame(`4${packet}`)]);
    engine.write(packet, { wsPreEncodedFrame: wsFrame });
  }

  close(_code: number, _reason: string) {
    this.socket.disconnect(true);
  }
}

export function attachSocketIoTransport(
  server: HttpServer,
  service: LiveService,
  redis: { pub: Redis; sub: Redis },
) {
  const io = new Server(server, {
    transports: ["websocket"],
    maxHttpBufferSize: service.limits.maxPayloadBytes,
    pingInterval: service.limits.pingIntervalMs,
    pingTimeout: Math.min(20_000, service.limits.pingIntervalMs),
    perMessageDeflate: false,
    serveClient: false,
    destroyUpgrade: false,
    allowRequest: (req, callback) => {
      checkHandshake(req, service.limits.allowedOrigins, service.identity)
        .then((result) => {
          if (!result.ok) {
            service.metrics.refused.inc({ transport: "socket.io", reason: result.code });
            logRefusal(service, "socket.io", req, result.code);
            return callback(result.message, false);
          }
          if (result.user) (req as HandshakeRequest)[HANDSHAKE_USER] = result.user;
          callback(null, true);
        })
        .catch((error: unknown) => {
          service.logger.warn({ err: error, transport: "socket.io" }, "live: handshake check failed");
          callback("handshake failed", false);
        });
    },
    adapter: createShardedAdapter(redis.pub, redis.sub, { subscriptionMode: "dynamic" }),
  });

  // The upgrade request (headers, URL, its socket references) is not kept for the connection's
  // life: the user found at the handshake moves onto the engine socket and the request is dropped.
  // The connection caps count engine connections: a slot is taken here and given back when the
  // engine connection closes. A refused one is told why when it asks for /live (connect_error with
  // the code in `data`), then closed.
  io.engine.on("connection", (engineSocket: EngineSocket & { request: HandshakeRequest | null }) => {
    const request = engineSocket.request;
    const user = request?.[HANDSHAKE_USER];
    if (user) (engineSocket as EngineSocket & { [HANDSHAKE_USER]?: AccessClaims })[HANDSHAKE_USER] = user;
    const address = request ? clientIpOfRequest(request, service.limits.trustProxy) : "unknown";
    engineSocket.request = null;
    const refusal = service.connections.admit(address);
    const engine = engineSocket as unknown as EngineSocket & {
      [REFUSAL]?: ConnectionRefusal;
      once(event: "close", listener: () => void): void;
      close(): void;
    };
    if (refusal === undefined) {
      engine.once("close", () => service.connections.release(address));
      return;
    }
    service.metrics.connectionsRefused.inc({ transport: "socket.io", reason: refusal });
    engine[REFUSAL] = refusal;
    setTimeout(() => engine.close(), REFUSED_GRACE_MS).unref();
  });

  const live = io.of(SOCKET_IO_NAMESPACE);
  live.use((socket, next) => {
    const engine = socket.conn as unknown as { [REFUSAL]?: ConnectionRefusal; close(): void };
    const refusal = engine[REFUSAL];
    if (refusal === undefined) return next();
    const error = new Error(refusal) as Error & { data?: unknown };
    error.data = { code: refusal, message: refusalMessages[refusal] };
    next(error);
    // The connect_error goes out first: engine.io closes once its write buffer has drained.
    setImmediate(() => engine.close());
  });

  live.on("connection", (socket) => {
    const user = (socket.conn as unknown as { [HANDSHAKE_USER]?: AccessClaims })[HANDSHAKE_USER];
    const session = new LiveSession(new SocketIoConnection(socket, service), user, service);
    (socket as LiveSocket)[SESSION] = session;
    service.metrics.connections.inc({ transport: "socket.io" });
    socket.on(SOCKET_IO_EVENT, onMessage);
    socket.onAny(onAnyEvent);
    socket.on("disconnect", onDisconnect);
    session.start();
  });

  // Listeners shared by every socket (`this` is the socket): no closures kept per connection.
  function onMessage(this: Socket, value: unknown) {
    (this as LiveSocket)[SESSION].receiveValue(value);
  }
  function onAnyEvent(this: Socket, event: string) {
    if (event !== SOCKET_IO_EVENT)
      (this as LiveSocket)[SESSION].receiveUnreadable(
        `unknown event ${JSON.stringify(event).slice(0, 80)}; use "message"`,
      );
  }
  function onDisconnect(this: Socket) {
    service.metrics.connections.dec({ transport: "socket.io" });
    (this as LiveSocket)[SESSION].close();
  }

  return {
    io,
    async close() {
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}
