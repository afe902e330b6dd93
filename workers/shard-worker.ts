// Shard worker process: will host space actors for the shards it leases (the actors issue). Today
// it announces itself in the worker registry that shard placement reads, and reports health.
import { randomUUID } from "node:crypto";
import { loadConfigOrExit } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { createMetrics } from "../src/metrics.ts";
import { onShutdown } from "../src/process-lifecycle.ts";
import { createPool } from "../src/storage/postgres.ts";
import { createRedis } from "../src/storage/redis.ts";
import { startHealthServer } from "./health-server.ts";

const config = loadConfigOrExit();
const workerId = config.WORKER_ID ?? `shard-worker-${randomUUID().slice(0, 8)}`;
const logger = createLogger(config, "shard-worker").child({ workerId });
const pool = createPool(config.DATABASE_URL, 5);
const redis = createRedis(config.REDIS_URL, workerId);
const metrics = createMetrics("shard-worker");

// Membership: a key per live worker with a short TTL, refreshed while the process runs.
const MEMBER_TTL_MS = 3000;
const memberKey = `shard-workers:${workerId}`;
const heartbeat = async () => {
  await redis.set(memberKey, JSON.stringify({ pid: process.pid, since: Date.now() }), "PX", MEMBER_TTL_MS);
};
await heartbeat();
const timer = setInterval(
  () => heartbeat().catch((error) => logger.warn({ err: error }, "heartbeat failed")),
  1000,
);

const health = await startHealthServer({
  host: config.HTTP_HOST,
  port: config.HEALTH_PORT,
  pool,
  redis,
  metrics,
  detail: () => ({ component: "shard-worker", workerId }),
});
logger.info({ healthPort: health.port }, "shard worker running");

onShutdown(logger, async () => {
  clearInterval(timer);
  await redis.del(memberKey);
  await health.close();
  await Promise.allSettled([pool.end(), redis.quit()]);
});
