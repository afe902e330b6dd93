// A lean live-protocol client for benchmarks: a plain TCP socket that performs the WebSocket
// upgrade itself and splits the server's frames by their headers, without JSON-parsing them, so
// thousands of clients in one process cost little CPU and memory. Speaks raw `ws` (/ws) and
// socket.io (engine.io v4 over WebSocket, namespace /live): answers pings, hands each text message
// (the protocol JSON, for socket.io still wrapped in its `42/live,["message",…]` packet) to `onText`.
import { connect, type Socket } from "node:net";

export type BenchTransport = "ws" | "socket.io";

export interface RawSocketOptions {
  transport: BenchTransport;
  host: string;
  port: number;
  /** Access token for hosts, sent as `Authorization: Bearer`. */
  token?: string;
  onText(payload: Buffer): void;
  onClose(): void;
}

const SOCKET_IO_PATH = "/socket.io/?EIO=4&transport=websocket";
const IO_PREFIX = '42/live,["message",';
const MASK = Buffer.alloc(4); // a zero masking key: valid, and the payload stays as it is
/**
 * One read buffer for every socket of the process (`onread`): reads skip the stream machinery and
 * allocate nothing; each read is parsed before the next one lands, and leftovers are copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (len < 126) frame[1] = 0x80 | len;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  }
  MASK.copy(frame, head);
  payload.copy(frame, head + 4);
  return frame;
}

export class RawLiveSocket {
  private readonly socket: Socket;
  private pending: Buffer | null = null;
  private upgraded = false;
  private ready: (() => void) | null = null;
  private failed: ((error: Error) => void) | null = null;
  /** Settles once the socket can carry protocol messages (socket.io: after the namespace connect). */
  readonly opened: Promise<void>;
  closed = false;

  constructor(private readonly options: RawSocketOptions) {
    this.opened = new Promise<void>((resolve, reject) => {
      this.ready = resolve;
      this.failed = reject;
    });
    this.socket = connect({
      host: options.host,
      port: options.port,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => this.onRead(bytes, buffer),
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on("connect", () => {
      const path = options.transport === "ws" ? "/ws" : SOCKET_IO_PATH;
      const auth = options.token ? `Authorization: Bearer ${options.token}\r\n` : "";
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Sec-WebSocket-Version: 13\r\n${auth}\r\n`,
      );
    });
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => {
      this.closed = true;
      this.fail(new Error("closed"));
      options.onClose();
    });
  }

  private fail(error: Error) {
    this.failed?.(error);
    this.failed = null;
    this.ready = null;
  }

  private open() {
    this.ready?.();
    this.ready = null;
    this.failed = null;
  }

  /** Sends one protocol message (JSON text) over the transport. */
  send(json: string) {
    const text = this.options.transport === "ws" ? json : `${IO_PREFIX}${json}]`;
    this.socket.write(maskedFrame(0x1, Buffer.from(text)));
  }

  private sendRaw(text: string) {
    this.socket.write(maskedFrame(0x1, Buffer.from(text)));
  }

  destroy() {
    this.socket.destroy();
  }

  /** Returns true: keep reading. */
  private onRead(bytes: number, buffer: Uint8Array): boolean {
    this.onData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
    return true;
  }

  private onData(chunk: Buffer) {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.upgraded) {
      const end = data.indexOf("\r\n\r\n");
      if (end < 0) {
        this.pending = Buffer.from(data); // a copy: the read buffer is reused
        return;
      }
      if (!data.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101")) {
        this.fail(new Error(data.subarray(0, end).toString("latin1").split("\r\n")[0]));
        this.socket.destroy();
        return;
      }
      this.upgraded = true;
      if (this.options.transport === "ws") this.open();
      data = data.subarray(end + 4);
    }
    let at = 0;
    while (data.length - at >= 2) {
      const opcode = data[at]! & 0x0f;
      let len = data[at + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (data.length - at < 4) break;
        len = data.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (data.length - at < 10) break;
        len = Number(data.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (data.length - at < head + len) break;
      const payload = data.subarray(at + head, at + head + len);
      at += head + len;
      if (opcode === 0x1) this.onMessage(payload);
      else if (opcode === 0x9) this.socket.write(maskedFrame(0xa, payload));
      else if (opcode === 0x8) this.socket.end();
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
  }

  private onMessage(payload: Buffer) {
    if (this.options.transport === "ws") return this.options.onText(payload);
    // engine.io packets: 0 open, 2 ping, 4 message (socket.io packets inside).
    const kind = payload[0];
    if (kind === 0x32 /* "2" ping */) return this.sendRaw("3");
    if (kind === 0x30 /* "0" open */) return this.sendRaw("40/live,");
    if (kind !== 0x34 /* "4" */) return;
    if (payload[1] === 0x30 /* "40" namespace connected */) return this.open();
    if (payload[1] === 0x34 /* "44" connect error */) {
      this.fail(new Error(payload.toString()));
      return;
    }
    this.options.onText(payload);
  }
}
