// Fan-out benchmark harness for the live gateway (raw ws): opens many subscribers on one or more
// gateways, publishes changes through the real publish contract, and reports delivered messages/s,
// commit→client latency percentiles and the gateways' memory per connection. Bounded in count and
// time; loopback only.
//
//   npx tsx loadtest/live-fanout.ts --gateway http://127.0.0.1:3000 --subscribers 2000 --changes 2000 --rate 1000
//
// Memory comes from each gateway's metrics listener (`--metrics`, one per `--gateway`, in the same
// order; default: the one `npm start` opens, http://127.0.0.1:3100/metrics).
//
// Needs DATABASE_URL and REDIS_URL of the same stack as the gateway (npm start prints them) and a cell
// with spaces (the Madrid demo data: the busiest cell is used).
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { WebSocket } from "ws";
import { loadConfig } from "../src/config/index.ts";
import { createLiveContext, publishSpaceChange, readCell, type SpaceLiveState } from "../src/live/index.ts";
import { createPool } from "../src/storage/postgres.ts";

const { values } = parseArgs({
  options: {
    gateway: { type: "string", multiple: true, default: ["http://127.0.0.1:3000"] },
    metrics: { type: "string", multiple: true, default: ["http://127.0.0.1:3100/metrics"] },
    subscribers: { type: "string", default: "1000" },
    changes: { type: "string", default: "1000" },
    rate: { type: "string", default: "1000" },
    "max-seconds": { type: "string", default: "60" },
  },
});
const subscribers = Number(values.subscribers);
const changes = Number(values.changes);
const rate = Number(values.rate);
const deadline = Date.now() + Number(values["max-seconds"]) * 1000;
// A client tool beside `npm start`'s stack: development settings unless told otherwise.
const config = loadConfig({ ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" });
const pool = createPool(config.DATABASE_URL, 2);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);

async function rss(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split("\n").find((l) => l.startsWith("process_resident_memory_bytes"));
  return Number(line?.split(" ").at(-1) ?? 0);
}

const { rows } = await pool.query<{ h3_cell: string }>(
  "select h3_cell from parking_spaces where status = 'active' group by 1 order by count(*) desc limit 1",
);
const cell = rows[0]?.h3_cell;
if (!cell) throw new Error("no spaces: start the stack with demo data first");
const snapshot = await readCell(live, cell);
if (snapshot.kind !== "snapshot" || snapshot.spaces.length === 0) throw new Error("empty cell");
const space = JSON.parse(snapshot.spaces[0]!) as SpaceLiveState;

const gateways = values.gateway as string[];
const metricsUrls = values.metrics as string[];
if (metricsUrls.length !== gateways.length) throw new Error("give one --metrics URL per --gateway");
const before = await Promise.all(metricsUrls.map(rss));
const published = new Map<number, number>();
const latencies: number[] = [];
let delivered = 0;
const sockets: WebSocket[] = [];

await new Promise<void>((resolve, reject) => {
  let open = 0;
  for (let i = 0; i < subscribers; i++) {
    const socket = new WebSocket(`${gateways[i % gateways.length]!.replace(/^http/, "ws")}/ws`, {
      perMessageDeflate: false,
    });
    socket.on("open", () => {
      socket.send(JSON.stringify({ type: "subscribe", cells: [cell] }));
      if (++open === subscribers) resolve();
    });
    socket.on("message", (data: Buffer) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"delta"')) return;
      delivered++;
      const offset = Number(/"offset":(\d+)/.exec(text)?.[1]);
      const at = published.get(offset);
      if (at !== undefined) latencies.push(performance.now() - at);
    });
    socket.on("error", reject);
    sockets.push(socket);
  }
});
await new Promise((r) => setTimeout(r, 1000));
const idle = await Promise.all(metricsUrls.map(rss));

const states = ["held", "occupied", "available"] as const;
const started = performance.now();
for (let i = 0; i < changes && Date.now() < deadline; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const t = performance.now();
  const result = await publishSpaceChange(live, cell, { ...space, state: states[i % 3]! });
  published.set(result.offset, t);
}
const expected = changes * subscribers;
while (delivered < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
const seconds = (performance.now() - started) / 1000;

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const perConnectionKb = gateways.map((_, i) =>
  ((idle[i]! - before[i]!) / (subscribers / gateways.length) / 1024).toFixed(1),
);
console.table([
  {
    gateways: gateways.length,
    subscribers,
    changes,
    "target rate/s": rate,
    delivered: `${delivered}/${expected}`,
    "delivered msg/s": Math.round(delivered / seconds),
    "p50 ms": pct(50).toFixed(2),
    "p99 ms": pct(99).toFixed(2),
    "max ms": (latencies.at(-1) ?? NaN).toFixed(2),
    "KB per idle connection": perConnectionKb.join(" / "),
  },
]);
for (const s of sockets) s.terminate();
redis.disconnect();
await pool.end();
process.exit(delivered === expected ? 0 : 1);
