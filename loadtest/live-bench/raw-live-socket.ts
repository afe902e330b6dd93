// A lean live-protocol client for benchmarks: a plain TCP socket that performs the WebSocket
// upgrade itself and splits the server's frames by their headers, without JSON-parsing them, so
// thousands of clients in one process cost little CPU and memory. Speaks raw `ws` (/ws) and
// socket.io (engine.io v4 over WebSocket, namespace /live): answers pings, hands each text message
// (the protocol JSON, for socket.io still wrapped in its `42/live,["message",…]` packet) to `onText`
// as a range of the process's read buffer (no Buffer per read or per frame). With a read pause, the
// process sleeps a moment after each turn that read something, so the next poll collects many
// sockets' frames at once instead of waking for every few (see setReadPause).
import { connect, type Socket } from "node:net";

export type BenchTransport = "ws" | "socket.io";

export interface RawSocketOptions {
  transport: BenchTransport;
  host: string;
  port: number;
  /** Access token for hosts, sent as `Authorization: Bearer`. */
  token?: string;
  /** A text message: bytes [start, end) of `data`, valid only during the call. */
  onText(data: Buffer, start: number, end: number): void;
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

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
let readPauseMs = 0;
let pauseQueued = false;
function pause() {
  pauseQueued = false;
  Atomics.wait(SLEEPER, 0, 0, readPauseMs);
}

/**
 * After a turn of the event loop that read from any socket, block `ms` before polling again: frames
 * that land meanwhile are read together by the next poll. The process then wakes once per pause
 * rather than once per few frames, and the gateway's writes find it asleep outside epoll (no wake-up
 * to deliver). Every frame's arrival time is still taken at its read, so the pause counts in the
 * measured latency (at most `ms` more); 0 turns it off.
 */
export function setReadPause(ms: number) {
  readPauseMs = ms;
}

function afterRead() {
  if (readPauseMs > 0 && !pauseQueued) {
    pauseQueued = true;
    setImmediate(pause);
  }
}

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

  /** Returns true: keep reading. `buffer` is READ_BUFFER. */
  private onRead(bytes: number, _buffer: Uint8Array): boolean {
    afterRead();
    if (this.pending === null) this.onData(READ_BUFFER, bytes);
    else {
      const data = Buffer.concat([this.pending, READ_BUFFER.subarray(0, bytes)]);
      this.pending = null;
      this.onData(data, data.length);
    }
    return true;
  }

  /** Parses bytes [0, length) of `data`; an incomplete frame at the end is copied into `pending`. */
  private onData(data: Buffer, length: number) {
    let at = 0;
    if (!this.upgraded) {
      const end = data.subarray(0, length).indexOf("\r\n\r\n");
      if (end < 0) {
        this.pending = Buffer.from(data.subarray(0, length)); // a copy: the read buffer is reused
        return;
      }
      if (!data.subarray(0, 12).toString("latin1").startsWith("HTTP/1.1 101")) {
        this.fail(new Error(data.subarray(0, end).toString("latin1").split("\r\n")[0]));
        this.socket.destroy();
        return;
      }
      this.upgraded = true;
      if (this.options.transport === "ws") this.open();
      at = end + 4;
    }
    while (length - at >= 2) {
      const opcode = data[at]! & 0x0f;
      let len = data[at + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (length - at < 4) break;
        len = data.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (length - at < 10) break;
        len = Number(data.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (length - at < head + len) break;
      const start = at + head;
      at = start + len;
      if (opcode === 0x1) this.onMessage(data, start, at);
      else if (opcode === 0x9) this.socket.write(maskedFrame(0xa, data.subarray(start, at)));
      else if (opcode === 0x8) this.socket.end();
    }
    if (at < length) this.pending = Buffer.from(data.subarray(at, length));
  }

  private onMessage(data: Buffer, start: number, end: number) {
    if (this.options.transport === "ws") return this.options.onText(data, start, end);
    // engine.io packets: 0 open, 2 ping, 4 message (socket.io packets inside).
    const kind = data[start];
    if (kind === 0x32 /* "2" ping */) return this.sendRaw("3");
    if (kind === 0x30 /* "0" open */) return this.sendRaw("40/live,");
    if (kind !== 0x34 /* "4" */) return;
    if (data[start + 1] === 0x30 /* "40" namespace connected */) return this.open();
    if (data[start + 1] === 0x34 /* "44" connect error */) {
      this.fail(new Error(data.toString("utf8", start, end)));
      return;
    }
    this.options.onText(data, start, end);
  }
}
