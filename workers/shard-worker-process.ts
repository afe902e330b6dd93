// The shard-worker process around a set of actor definitions: config, connections, the generic actor
// host (membership, shard leases, mailboxes, reminders), /healthz with the owned shards, clean stop.
// workers/shard-worker.ts runs it with the product's actors; tests run it with test actors.
import { randomUUID } from "node:crypto";
import { Gauge } from "prom-client";
import { actorDriverFromConfig, runtimeSettingsFromConfig } from "../actors/runtime/from-config.ts";
import { ActorHost, type AnyActorDefinition } from "../actors/runtime/index.ts";
import { type Config, loadConfigOrExit } from "../src/config/index.ts";
import { createLogger, type Logger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { onShutdown } from "../src/process-lifecycle.ts";
import { createPool, type Pool } from "../src/storage/postgres.ts";
import { createRedis, type Redis } from "../src/storage/redis.ts";
import { startHealthServer } from "./health-server.ts";

export interface ShardWorkerDeps {
  config: Config;
  workerId: string;
  pool: Pool;
  /**
   * A small pool of its own for live publishing (map cells rebuilt from the ledger, locations), so
   * that work never holds the connections the actors' commits and activations wait for.
   */
  livePool: Pool;
  redis: Redis;
  logger: Logger;
}

export async function runShardWorker(actors: (deps: ShardWorkerDeps) => AnyActorDefinition[]) {
  const config = loadConfigOrExit();
  const workerId = config.WORKER_ID ?? `shard-worker-${randomUUID().slice(0, 8)}`;
  const logger = createLogger(config, "shard-worker").child({ workerId });
  // The actors' statements read and write by key (activation reads a few spaces by id, group commits
  // insert rows from a JSON array): planned once, not per call (the activation query plans in about
  // twice the time it runs).
  const pool = createPool(config.DATABASE_URL, 8, { genericPlans: true });
  const livePool = createPool(config.DATABASE_URL, 2);
  // Live publishing sends a few scripts per committed decision, many side by side: one write per tick.
  const redis = createRedis(config.REDIS_URL, workerId, { autoPipelining: true });
  const metrics = createMetrics("shard-worker");
  const driver = actorDriverFromConfig(config, workerId);

  const host = new ActorHost({
    driver,
    workerId,
    shardCount: config.ACTOR_SHARD_COUNT,
    logger,
    actors: actors({ config, workerId, pool, livePool, redis, logger }),
    settings: runtimeSettingsFromConfig(config),
  });
  const gauges: [name: string, help: string, read: () => number][] = [
    ["actor_shards_owned", "Shards whose lease this worker holds", () => host.snapshot().ownedShards.length],
    [
      "actor_commands_processed",
      "Commands decided by this worker since it started",
      () => host.stats.commandsProcessed,
    ],
    [
      "actor_commands_dead_lettered",
      "Commands this worker set aside in a shard's dead-letter stream since it started (they kept failing)",
      () => host.stats.deadLettered,
    ],
  ];
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(read());
      },
    });
  }
  await host.start();

  const health = await startHealthServer({
    host: config.HTTP_HOST,
    port: config.HEALTH_PORT,
    pool,
    redis,
    metrics,
    detail: () => ({ component: "shard-worker", ...host.snapshot() }),
  });
  logger.info({ healthPort: health.port, shardCount: config.ACTOR_SHARD_COUNT }, "shard worker running");

  onShutdown(logger, async () => {
    await host.stop();
    await health.close();
    await driver.close();
    await Promise.allSettled([pool.end(), livePool.end(), redis.quit()]);
  });
  return { host, health };
}
