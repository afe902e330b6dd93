// Liveness (/healthz) and readiness (/readyz: PostgreSQL and Redis answer) on the public port.
// Prometheus /metrics is served apart, on the gateway's metrics listener (workers/gateway.ts).
import { Hono } from "hono";
import type { Pool } from "../../../src/storage/postgres.ts";
import type { Redis } from "../../../src/storage/redis.ts";

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms)),
  ]);

export async function readiness(pool: Pool, redis: Redis) {
  const [postgres, redisCheck] = await Promise.allSettled([
    withTimeout(pool.query("select 1"), 2000),
    withTimeout(redis.ping(), 2000),
  ]);
  const checks = {
    postgres: postgres.status === "fulfilled" ? "ok" : "down",
    redis: redisCheck.status === "fulfilled" ? "ok" : "down",
  };
  return { ready: checks.postgres === "ok" && checks.redis === "ok", checks };
}

export function healthRoutes(deps: { pool: Pool; redis: Redis }) {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const { ready, checks } = await readiness(deps.pool, deps.redis);
      return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
    });
}
