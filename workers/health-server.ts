// A small internal HTTP server: /healthz, /readyz (PostgreSQL and Redis answer, plus the process's
// own check) and Prometheus /metrics. Shard and jobs workers serve it on HEALTH_PORT; the gateway on
// METRICS_PORT, apart from its public API port.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { readiness } from "../gateway/http/routes/health-routes.ts";
import type { Metrics } from "../src/metrics.ts";
import type { Pool } from "../src/storage/postgres.ts";
import type { Redis } from "../src/storage/redis.ts";

export function startHealthServer(options: {
  host: string;
  port: number;
  pool: Pool;
  redis: Redis;
  metrics: Metrics;
  detail: () => Record<string, unknown>;
}): Promise<{ port: number; close(): Promise<void> }> {
  const app = new Hono()
    .get("/healthz", (c) => c.json({ status: "ok", ...options.detail() }))
    .get("/readyz", async (c) => {
      const { ready, checks } = await readiness(options.pool, options.redis);
      return c.json(
        { status: ready ? "ready" : "not_ready", checks, ...options.detail() },
        ready ? 200 : 503,
      );
    })
    .get("/metrics", async (c) => {
      c.header("Content-Type", options.metrics.registry.contentType);
      return c.body(await options.metrics.registry.metrics());
    });
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info) =>
      resolve({
        port: info.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    );
  });
}
