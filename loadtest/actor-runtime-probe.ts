// A short probe of the generic actor runtime on a private Redis (no HTTP, no PostgreSQL): commands/s
// and latency for many actors over all shards, and for one hot actor. Run:
//   npx tsx loadtest/actor-runtime-probe.ts [seconds-per-scenario]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ActorClient, ActorHost, createRedisDriver } from "../actors/runtime/index.ts";
import { startRedis } from "../devstack/redis-server.ts";
import { freePort } from "../devstack/stack.ts";
import { createLogger } from "../src/logger.ts";
import { createRedis } from "../src/storage/redis.ts";
import { createCounterActor } from "../test/support/counter-actor.ts";

const seconds = Number(process.argv[2] ?? 3);
const logger = createLogger({ LOG_LEVEL: "silent" }, "probe");
const dir = mkdtempSync(join(tmpdir(), "actor-probe-"));
const redisServer = await startRedis({ port: await freePort(), dir });
const SHARDS = 64;

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function scenario(
  name: string,
  target: (i: number) => { actorId: string; shard: number },
  concurrency: number,
) {
  const redis = createRedis(redisServer.url, "probe", { autoPipelining: true });
  const driver = createRedisDriver({
    redis,
    connect: (p) => createRedis(redisServer.url, p),
    namespace: `${name}:`,
  });
  const host = new ActorHost({
    driver,
    workerId: "probe",
    shardCount: SHARDS,
    logger,
    actors: [createCounterActor({ workerId: "probe" })],
  });
  await host.start();
  const client = new ActorClient({ driver, logger, timeoutMs: 10_000 });
  await client.start();
  const latencies: number[] = [];
  let sent = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = target(sent++);
        const started = performance.now();
        await client.send({ actorType: "counter", ...t }, { op: "add", amount: 1 });
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const row = {
    scenario: name,
    concurrency,
    "commands/s": Math.round(latencies.length / seconds),
    "p50 ms": percentile(latencies, 50).toFixed(2),
    "p99 ms": percentile(latencies, 99).toFixed(2),
  };
  await client.close();
  await host.stop();
  await driver.close();
  await redis.quit();
  return row;
}

try {
  const rows = [
    await scenario("uniform", (i) => ({ actorId: `a${i % 10_000}`, shard: i % SHARDS }), 64),
    await scenario("hot", () => ({ actorId: "hot", shard: 0 }), 64),
  ];
  console.table(rows);
  console.log(`command: npx tsx loadtest/actor-runtime-probe.ts ${seconds}`);
} finally {
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
}
