// One benchmark client process (forked by the harness with an IPC channel): opens many lean
// sockets to a gateway, subscribes each to a cell (or connects hosts with their tokens), counts the
// frames that arrive and, while recording, notes when each delta or approval prompt arrived so the
// harness can join arrivals with publish times. Its open-file limit bounds it to ~19,000 sockets.
import { LatencyHistogram, monotonicMs } from "./bench-clock.ts";
import { type BenchTransport, RawLiveSocket, setReadPause } from "./raw-live-socket.ts";

setReadPause(Number(process.env.LIVE_BENCH_READ_PAUSE_MS ?? 0));

export type ClientCommand =
  | {
      type: "connect";
      transport: BenchTransport;
      host: string;
      port: number;
      /** One socket per entry: the cell it subscribes to, or a host's token (no subscription). */
      cells?: string[];
      tokens?: string[];
      concurrency: number;
    }
  | { type: "stats" }
  | { type: "reset-window" }
  | { type: "record"; on: boolean }
  | { type: "join"; published: Array<[string, number]> }
  | { type: "close" };

export interface ClientStats {
  sockets: number;
  closed: number;
  frames: number;
  deltas: number;
  snapshots: number;
  prompts: number;
  bytes: number;
  /** CLOCK_MONOTONIC ms of the first and last delta since the last reset (0 when none). */
  firstDeltaAt: number;
  lastDeltaAt: number;
  /** CPU time (user + system) this process used so far, ms. */
  cpuMs: number;
  /** The part of cpuMs spent in the kernel (system time), ms. */
  systemMs: number;
}

const stats: ClientStats = {
  sockets: 0,
  closed: 0,
  frames: 0,
  deltas: 0,
  snapshots: 0,
  prompts: 0,
  bytes: 0,
  firstDeltaAt: 0,
  lastDeltaAt: 0,
  cpuMs: 0,
  systemMs: 0,
};
const sockets: RawLiveSocket[] = [];
let recording = false;

/** Map cells by index: a subscriber socket knows its cell, so a delta's cell is never parsed. */
const cellIndex = new Map<string, number>();
const indexOfCell = (cell: string) => {
  let i = cellIndex.get(cell);
  if (i === undefined) {
    i = cellIndex.size;
    cellIndex.set(cell, i);
  }
  return i;
};
const deltaKey = (cell: number, offset: number) => cell * 1e9 + offset;

/** Delta arrivals while recording: (cell, offset) as one number, and the arrival time; grown by doubling. */
let arrivalKeys = new Float64Array(1 << 16);
let arrivalTimes = new Float64Array(1 << 16);
let arrivalCount = 0;
/** Approval prompt arrivals while recording, by booking id. */
const promptArrivals = new Map<string, number[]>();

function noteDelta(key: number, at: number) {
  if (arrivalCount === arrivalKeys.length) {
    const keys = new Float64Array(arrivalKeys.length * 2);
    keys.set(arrivalKeys);
    arrivalKeys = keys;
    const times = new Float64Array(arrivalTimes.length * 2);
    times.set(arrivalTimes);
    arrivalTimes = times;
  }
  arrivalKeys[arrivalCount] = key;
  arrivalTimes[arrivalCount] = at;
  arrivalCount += 1;
}

const DELTA = Buffer.from('"type":"delta"');
const SNAPSHOT = Buffer.from('"type":"snapshot"');
const PROMPT = Buffer.from('"type":"approval_request"');
const BOOKING = Buffer.from('"bookingId":"');

/** Where the protocol object starts: at once for ws, after socket.io's packet prefix otherwise. */
function objectStart(data: Buffer, start: number, end: number): number {
  if (data[start] === 0x7b) return start + 1;
  for (let i = start; i < end; i++) if (data[i] === 0x7b) return i + 1;
  return end;
}

/** Whether `needle` sits at `at` (a byte loop: cheaper than a call into C++ for a few bytes). */
function bytesAt(data: Buffer, at: number, end: number, needle: Buffer): boolean {
  if (end - at < needle.length) return false;
  for (let i = 0; i < needle.length; i++) if (data[at + i] !== needle[i]) return false;
  return true;
}

/** The delta's offset: the digits after the first `t":` (of `"offset":`) past the cell and epoch. */
function deltaOffset(data: Buffer, from: number, end: number): number {
  for (let i = from; i < end - 3; i++) {
    if (data[i] === 0x74 && data[i + 1] === 0x22 && data[i + 2] === 0x3a) {
      let n = 0;
      for (let j = i + 3; j < end; j++) {
        const c = data[j]!;
        if (c < 0x30 || c > 0x39) break;
        n = n * 10 + (c - 0x30);
      }
      return n;
    }
  }
  return -1;
}

/** `{"type":"delta","cell":"<15 hex>","epoch":…`: the epoch starts this far into the object. */
const EPOCH_FROM = '"type":"delta","cell":"'.length + 15;

function onText(data: Buffer, start: number, end: number, cell: number) {
  stats.frames += 1;
  stats.bytes += end - start;
  const object = objectStart(data, start, end);
  if (bytesAt(data, object, end, DELTA)) {
    stats.deltas += 1;
    const at = monotonicMs();
    if (stats.firstDeltaAt === 0) stats.firstDeltaAt = at;
    stats.lastDeltaAt = at;
    if (recording) noteDelta(deltaKey(cell, deltaOffset(data, object + EPOCH_FROM, end)), at);
  } else if (bytesAt(data, object, end, SNAPSHOT)) {
    stats.snapshots += 1;
  } else if (bytesAt(data, object, end, PROMPT)) {
    stats.prompts += 1;
    if (!recording) return;
    const at = monotonicMs();
    const b = data.indexOf(BOOKING, object) + BOOKING.length;
    const bookingId = data.toString("latin1", b, b + 36);
    const list = promptArrivals.get(bookingId);
    if (list) list.push(at);
    else promptArrivals.set(bookingId, [at]);
  }
}

async function connectAll(command: Extract<ClientCommand, { type: "connect" }>) {
  const jobs = command.cells
    ? command.cells.map((cell) => ({ cell, token: undefined as string | undefined }))
    : (command.tokens ?? []).map((token) => ({ cell: undefined as string | undefined, token }));
  const snapshotsBefore = stats.snapshots;
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const cell = job.cell === undefined ? -1 : indexOfCell(job.cell);
      const socket = new RawLiveSocket({
        transport: command.transport,
        host: command.host,
        port: command.port,
        ...(job.token ? { token: job.token } : {}),
        onText: (data, start, end) => onText(data, start, end, cell),
        onClose: () => {
          stats.closed += 1;
        },
      });
      try {
        await socket.opened;
        sockets.push(socket);
        stats.sockets += 1;
        if (job.cell) socket.send(JSON.stringify({ type: "subscribe", cells: [job.cell] }));
      } catch (error) {
        failed += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  // Subscribed means the gateway answered with the cell's snapshot.
  const expected = snapshotsBefore + (command.cells ? jobs.length - failed : 0);
  const deadline = Date.now() + 60_000;
  while (stats.snapshots < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return { opened: jobs.length - failed, failed, firstError, snapshots: stats.snapshots - snapshotsBefore };
}

/** Joins this process's arrivals with the publish times (`<cell>:<offset>` or a booking id → t0). */
function join(published: Array<[string, number]>) {
  const histogram = new LatencyHistogram();
  const sentDeltas = new Map<number, number>();
  const sentPrompts = new Map<string, number>();
  for (const [key, t0] of published) {
    const colon = key.indexOf(":");
    if (colon < 0) sentPrompts.set(key, t0);
    else {
      const cell = cellIndex.get(key.slice(0, colon));
      if (cell !== undefined) sentDeltas.set(deltaKey(cell, Number(key.slice(colon + 1))), t0);
    }
  }
  let unmatched = 0;
  for (let i = 0; i < arrivalCount; i++) {
    const t0 = sentDeltas.get(arrivalKeys[i]!);
    if (t0 === undefined) unmatched += 1;
    else histogram.add(arrivalTimes[i]! - t0);
  }
  for (const [bookingId, times] of promptArrivals) {
    const t0 = sentPrompts.get(bookingId);
    if (t0 === undefined) unmatched += times.length;
    else for (const at of times) histogram.add(at - t0);
  }
  arrivalCount = 0;
  promptArrivals.clear();
  return { pairs: histogram.toPairs(), max: histogram.max, unmatched };
}

process.on("message", (message: { id: number; command: ClientCommand }) => {
  const { id, command } = message;
  const reply = (body: unknown) => process.send?.({ id, body });
  switch (command.type) {
    case "connect":
      void connectAll(command).then(reply);
      return;
    case "stats": {
      const cpu = process.cpuUsage();
      return reply({ ...stats, cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000 });
    }
    case "reset-window":
      stats.firstDeltaAt = 0;
      stats.lastDeltaAt = 0;
      return reply({});
    case "record":
      recording = command.on;
      return reply({ recording });
    case "join":
      return reply(join(command.published));
    case "close":
      for (const socket of sockets) socket.destroy();
      reply({ closed: sockets.length });
      setTimeout(() => process.exit(0), 50);
      return;
  }
});
process.on("disconnect", () => process.exit(0));
// A clean exit on SIGTERM, so a --cpu-prof given through LIVE_BENCH_CLIENT_FLAGS is written.
process.on("SIGTERM", () => process.exit(0));
