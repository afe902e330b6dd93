// One benchmark client process (forked by the harness with an IPC channel): opens many lean
// sockets to a gateway, subscribes each to a cell (or connects hosts with their tokens), counts the
// frames that arrive and, while recording, notes when each delta or approval prompt arrived so the
// harness can join arrivals with publish times. Its open-file limit bounds it to ~19,000 sockets.
import { LatencyHistogram, monotonicMs } from "./bench-clock.ts";
import { type BenchTransport, RawLiveSocket } from "./raw-live-socket.ts";

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
const arrivals = new Map<string, number[]>();

const DELTA = Buffer.from('"type":"delta"');
const SNAPSHOT = Buffer.from('"type":"snapshot"');
const PROMPT = Buffer.from('"type":"approval_request"');
const CELL = Buffer.from('"cell":"');
const OFFSET = Buffer.from('"offset":');
const BOOKING = Buffer.from('"bookingId":"');

/** Whether `needle` sits at the start of the protocol object (after socket.io's packet prefix, if any). */
function typeIs(payload: Buffer, needle: Buffer): boolean {
  const start = payload[0] === 0x7b ? 1 : payload.indexOf(0x7b) + 1;
  return payload.compare(needle, 0, needle.length, start, start + needle.length) === 0;
}

function readDigits(payload: Buffer, from: number): number {
  let n = 0;
  for (let i = from; i < payload.length; i++) {
    const c = payload[i]!;
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

function note(key: string, at: number) {
  const list = arrivals.get(key);
  if (list) list.push(at);
  else arrivals.set(key, [at]);
}

function onText(payload: Buffer) {
  stats.frames += 1;
  stats.bytes += payload.length;
  if (typeIs(payload, DELTA)) {
    stats.deltas += 1;
    const at = monotonicMs();
    if (stats.firstDeltaAt === 0) stats.firstDeltaAt = at;
    stats.lastDeltaAt = at;
    if (!recording) return;
    const c = payload.indexOf(CELL) + CELL.length;
    const o = payload.indexOf(OFFSET, c) + OFFSET.length;
    note(`${payload.toString("latin1", c, c + 15)}:${readDigits(payload, o)}`, at);
  } else if (typeIs(payload, SNAPSHOT)) {
    stats.snapshots += 1;
  } else if (typeIs(payload, PROMPT)) {
    stats.prompts += 1;
    if (!recording) return;
    const at = monotonicMs();
    const b = payload.indexOf(BOOKING) + BOOKING.length;
    note(payload.toString("latin1", b, b + 36), at);
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
      const socket = new RawLiveSocket({
        transport: command.transport,
        host: command.host,
        port: command.port,
        ...(job.token ? { token: job.token } : {}),
        onText,
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

function join(published: Array<[string, number]>) {
  const histogram = new LatencyHistogram();
  let unmatched = 0;
  const sent = new Map(published);
  for (const [key, times] of arrivals) {
    const t0 = sent.get(key);
    if (t0 === undefined) {
      unmatched += times.length;
      continue;
    }
    for (const at of times) histogram.add(at - t0);
  }
  arrivals.clear();
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
