// Test clients for the live protocol over both transports, behind one small interface, so the
// conformance suite is written once: connect, send, wait for a message, observe the close.
import { io as ioClient, type Socket } from "socket.io-client";
import { WebSocket } from "ws";

export type TransportName = "ws" | "socket.io";

export interface LiveTestClient {
  readonly messages: any[];
  send(message: unknown): void;
  /** Sends raw text (ws) or a raw event value (socket.io). */
  sendRaw(value: string): void;
  next(predicate: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<{ code: number; reason?: string }>;
  /** Stops reading from the socket (the kernel buffers fill, then the server's). */
  stopReading(): void;
  close(): void;
}

export interface ConnectOptions {
  origin?: string;
  token?: string;
  /** The local address to connect from (any 127.x.y.z reaches a gateway on 127.0.0.1). */
  localAddress?: string;
}

function waiter(messages: any[]) {
  const waiting = new Set<{ predicate: (m: any) => boolean; resolve: (m: any) => void }>();
  const taken = new Set<any>();
  return {
    push(message: any) {
      messages.push(message);
      for (const w of waiting) {
        if (w.predicate(message)) {
          waiting.delete(w);
          taken.add(message);
          w.resolve(message);
          return;
        }
      }
    },
    /** The oldest message matching `predicate` that no earlier `next` returned (waiting for one if needed). */
    next(predicate: (m: any) => boolean, timeoutMs = 5000): Promise<any> {
      const found = messages.find((m) => !taken.has(m) && predicate(m));
      if (found !== undefined) {
        taken.add(found);
        return Promise.resolve(found);
      }
      return new Promise((resolve, reject) => {
        const entry = {
          predicate,
          resolve: (m: any) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiting.delete(entry);
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; last ones: ${JSON.stringify(messages.slice(-5)).slice(0, 600)}`,
            ),
          );
        }, timeoutMs);
        waiting.add(entry);
      });
    },
  };
}

export function connectWs(baseUrl: string, options: ConnectOptions = {}): Promise<LiveTestClient> {
  const headers: Record<string, string> = {};
  if (options.origin) headers.origin = options.origin;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/ws`, {
    headers,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  const messages: any[] = [];
  const w = waiter(messages);
  socket.on("message", (data) => w.push(JSON.parse(data.toString())));
  const closed = new Promise<{ code: number; reason?: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once("unexpected-response", (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    socket.once("error", reject);
    socket.once("open", () =>
      resolve({
        messages,
        send: (m) => socket.send(JSON.stringify(m)),
        sendRaw: (v) => socket.send(v),
        next: w.next,
        closed,
        stopReading: () => (socket as unknown as { _socket: { pause(): void } })._socket.pause(),
        close: () => socket.terminate(),
      }),
    );
  });
}

export function connectSocketIo(baseUrl: string, options: ConnectOptions = {}): Promise<LiveTestClient> {
  const extraHeaders: Record<string, string> = {};
  if (options.origin) extraHeaders.origin = options.origin;
  if (options.token) extraHeaders.authorization = `Bearer ${options.token}`;
  const socket: Socket = ioClient(`${baseUrl}/live`, {
    transports: ["websocket"],
    extraHeaders,
    reconnection: false,
    forceNew: true,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  });
  const messages: any[] = [];
  const w = waiter(messages);
  socket.on("message", (m: unknown) => w.push(m));
  // The close code of the underlying WebSocket comes with the disconnect's details.
  const closed = new Promise<{ code: number }>((resolve) =>
    socket.once("disconnect", (_reason, details) =>
      resolve({ code: (details as { context?: { code?: number } } | undefined)?.context?.code ?? 1005 }),
    ),
  );
  return new Promise((resolve, reject) => {
    socket.once("connect_error", (error) => {
      socket.close();
      const data = (error as Error & { data?: unknown }).data;
      reject(new Error(`refused: ${error.message}${data ? ` ${JSON.stringify(data)}` : ""}`));
    });
    socket.once("connect", () => {
      const ws = (socket.io.engine as unknown as { transport: { ws: WebSocket } }).transport.ws;
      resolve({
        messages,
        send: (m) => socket.emit("message", m),
        sendRaw: (v) => socket.emit("message", v),
        next: w.next,
        closed,
        stopReading: () => (ws as unknown as { _socket: { pause(): void } })._socket.pause(),
        close: () => socket.close(),
      });
    });
  });
}

export function connectLive(transport: TransportName, baseUrl: string, options: ConnectOptions = {}) {
  return transport === "ws" ? connectWs(baseUrl, options) : connectSocketIo(baseUrl, options);
}
