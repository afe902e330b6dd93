// Fault tests of the actor runtime with real shard-worker processes on the test Redis: a worker
// SIGKILLed under load, and one SIGSTOPped past its lease TTL then resumed. Every command sent is
// answered, applied exactly once (counter totals), nothing stays pending, shards are re-owned within
// 2 × the lease TTL, and the resumed worker's writes are refused (stale epoch).
import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { ActorClient, type ActorDriver, createRedisDriver } from "../../actors/runtime/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { waitFor } from "../support/actor-conformance.ts";
import type { CounterReply } from "../support/counter-actor.ts";
import { spawnWorker, type WorkerProcess } from "../support/worker-processes.ts";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6390";
const LEASE_TTL_MS = 1000;
const SHARDS = 6;
const logger = createLogger({ LOG_LEVEL: "silent" }, "fault-test");

async function cluster(workerIds: string[]) {
  const prefix = `f${randomBytes(4).toString("hex")}`;
  const env = {
    REDIS_URL,
    ACTOR_KEY_PREFIX: prefix,
    ACTOR_SHARD_COUNT: String(SHARDS),
    SHARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
  };
  const workers = await Promise.all(workerIds.map((id) => spawnWorker(id, env)));
  const redis = createRedis(REDIS_URL, "fault-test");
  const driver = createRedisDriver({
    redis,
    connect: (purpose) => createRedis(REDIS_URL, purpose),
    namespace: `${prefix}:`,
  });
  const client = new ActorClient({ driver, logger, timeoutMs: 10_000 });
  await client.start();
  afterAll(async () => {
    await client.close();
    await driver.close();
    await redis.quit();
  });
  // Every shard leased, to someone who says it owns it, two each.
  await waitFor(
    () => Promise.all(workers.map((w) => w.health())),
    (snapshots) =>
      snapshots.every((s) => s.ownedShards.length === SHARDS / workers.length) &&
      new Set(snapshots.flatMap((s) => s.ownedShards.map((o) => o.shard))).size === SHARDS,
    15_000,
    "an even spread of shards",
  );
  return { workers, driver, client };
}

/** Sends adds and keeps a log of what was acknowledged, per counter. */
function loadGenerator(client: ActorClient) {
  const acknowledged = new Map<string, number>();
  const failures: unknown[] = [];
  const add = async (actorId: string, shard: number, delayMs = 0) => {
    try {
      const reply = await client.send<CounterReply>(
        { actorType: "counter", actorId, shard },
        { op: "add", amount: 1, ...(delayMs ? { delayMs } : {}) },
        { commandId: randomUUID() },
      );
      acknowledged.set(actorId, (acknowledged.get(actorId) ?? 0) + 1);
      return reply;
    } catch (error) {
      failures.push(error);
      throw error;
    }
  };
  let running = true;
  const steady = async (counters: { actorId: string; shard: number }[], concurrency: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (running) {
          const target = counters[sent++ % counters.length]!;
          await add(target.actorId, target.shard, 5).catch(() => {});
        }
      }),
    );
    return sent;
  };
  return {
    acknowledged,
    failures,
    add,
    steady,
    stop: () => {
      running = false;
    },
  };
}

async function expectExactlyOnce(
  client: ActorClient,
  driver: ActorDriver,
  acknowledged: Map<string, number>,
  shardOf: (id: string) => number,
) {
  for (const [actorId, count] of acknowledged) {
    const reply = await client.send<CounterReply>(
      { actorType: "counter", actorId, shard: shardOf(actorId) },
      { op: "get" },
    );
    expect({ actorId, count: reply.count }).toEqual({ actorId, count });
  }
  await waitFor(
    async () =>
      (await Promise.all([...Array(SHARDS).keys()].map((s) => driver.pendingCount(s)))).reduce(
        (a, b) => a + b,
        0,
      ),
    (pending) => pending === 0,
    5000,
    "no pending commands",
  );
}

async function reownedWithin(
  driver: ActorDriver,
  shards: number[],
  victim: WorkerProcess,
  victimIncarnation: string,
) {
  const started = Date.now();
  await waitFor(
    () => Promise.all(shards.map((s) => driver.currentLease(s))),
    (leases) => leases.every((l) => l !== null && l.owner !== victimIncarnation),
    4 * LEASE_TTL_MS,
    `${victim.workerId}'s shards to be re-owned`,
  );
  return Date.now() - started;
}

const counters = Array.from({ length: SHARDS * 4 }, (_, i) => ({ actorId: `c${i}`, shard: i % SHARDS }));
const shardOfCounter = (id: string) => {
  const known = counters.find((c) => c.actorId === id);
  if (known) return known.shard;
  return Number(id.split("-")[1]);
};

describe("shard workers under faults", () => {
  it("SIGKILL: the dead worker's shards are re-owned within 2 × TTL and its pending commands decided once", async () => {
    const { workers, driver, client } = await cluster(["k1", "k2", "k3"]);
    const victim = workers[0]!;
    const before = await victim.health();
    const victimShards = before.ownedShards.map((o) => o.shard);
    const load = loadGenerator(client);
    const steady = load.steady(counters, 12);
    await sleep(500);

    // Slow commands on the victim's shards, taken (pending) by the victim when it dies.
    const slow = victimShards.map((shard) => load.add(`slow-${shard}`, shard, 1500));
    await waitFor(
      () => Promise.all(victimShards.map((s) => driver.pendingCount(s))),
      (pending) => pending.every((n) => n >= 1),
      3000,
      "the slow commands to be taken",
    );
    victim.signal("SIGKILL");
    const failover = await reownedWithin(driver, victimShards, victim, before.incarnation);
    expect(failover).toBeLessThanOrEqual(2 * LEASE_TTL_MS);

    const slowReplies = await Promise.all(slow);
    for (const reply of slowReplies) {
      expect(reply.count).toBe(1);
      expect(["k2", "k3"]).toContain(reply.by);
    }
    await sleep(500);
    load.stop();
    const sent = await steady;
    expect(load.failures).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    await expectExactlyOnce(client, driver, load.acknowledged, shardOfCounter);
    const survivors = await Promise.all(workers.slice(1).map((w) => w.health()));
    expect(survivors.reduce((n, s) => n + s.stats.pendingClaimed, 0)).toBeGreaterThanOrEqual(
      victimShards.length,
    );
    expect(new Set(survivors.flatMap((s) => s.ownedShards.map((o) => o.shard))).size).toBe(SHARDS);
  }, 120_000);

  it("SIGSTOP past the lease TTL: the shard moves on, the resumed worker's writes are refused and it stops", async () => {
    const { workers, driver, client } = await cluster(["s1", "s2", "s3"]);
    const victim = workers[1]!;
    const before = await victim.health();
    const victimShards = before.ownedShards.map((o) => o.shard);
    const load = loadGenerator(client);
    const steady = load.steady(counters, 12);
    await sleep(300);

    const stalledShard = victimShards[0]!;
    const stalled = load.add(`stalled-${stalledShard}`, stalledShard, 1500);
    await waitFor(
      () => driver.pendingCount(stalledShard),
      (n) => n >= 1,
      3000,
      "the slow command to be taken",
    );
    await sleep(100);
    victim.signal("SIGSTOP");
    const failover = await reownedWithin(driver, victimShards, victim, before.incarnation);
    expect(failover).toBeLessThanOrEqual(2 * LEASE_TTL_MS);
    const reply = await stalled;
    expect(reply.count).toBe(1);
    expect(reply.by).not.toBe(victim.workerId);
    await sleep(2 * LEASE_TTL_MS);
    victim.signal("SIGCONT");

    // Resumed: its handler finishes and tries to commit under the old epoch; Redis refuses.
    const resumed = await waitFor(
      () => victim.health(),
      (s) => s.stats.staleWritesRefused >= 1 && s.stats.leasesLost >= victimShards.length,
      5000,
      "the resumed worker to be fenced off",
    );
    for (const owned of resumed.ownedShards) {
      const current = await driver.currentLease(owned.shard);
      expect(current).toEqual({ owner: resumed.incarnation, epoch: owned.epoch });
      const old = before.ownedShards.find((o) => o.shard === owned.shard);
      if (old) expect(owned.epoch).toBeGreaterThan(old.epoch);
    }

    await sleep(1000);
    load.stop();
    const sent = await steady;
    expect(load.failures).toEqual([]);
    expect(sent).toBeGreaterThan(50);
    await expectExactlyOnce(client, driver, load.acknowledged, shardOfCounter);
    // The stalled command counted once, though two workers ran its handler.
    const count = await client.send<CounterReply>(
      { actorType: "counter", actorId: `stalled-${stalledShard}`, shard: stalledShard },
      { op: "get" },
    );
    expect(count.count).toBe(1);
  }, 120_000);
});
