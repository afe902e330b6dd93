// Gateway process: the HTTP API and the live WebSocket transports (raw ws at /ws, socket.io at /live)
// on the public port; Prometheus /metrics on an internal listener of its own (METRICS_PORT).
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createApp } from "../gateway/http/app.ts";
import { createDeps } from "../gateway/http/deps.ts";
import { spaceBookingCommands } from "../gateway/http/space-booking-commands.ts";
import { attachLiveGateway } from "../gateway/live/index.ts";
import { loadConfigOrExit } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { onShutdown } from "../src/process-lifecycle.ts";
import { startHealthServer } from "./health-server.ts";

const config = loadConfigOrExit();
const logger = createLogger(config, "gateway");
const deps = createDeps(config, logger, "gateway");
const app = createApp(deps);

const server = serve({ fetch: app.fetch, hostname: config.HTTP_HOST, port: config.HTTP_PORT }, (info) => {
  logger.info({ url: `http://${info.address}:${info.port}` }, "gateway listening");
});

const live = attachLiveGateway(server as Server, {
  ...deps,
  commands: spaceBookingCommands(deps.pool, deps.spaceCommands),
});

const metricsServer =
  config.METRICS_PORT === 0
    ? undefined
    : await startHealthServer({
        host: config.METRICS_HOST,
        port: config.METRICS_PORT,
        pool: deps.pool,
        redis: deps.redis,
        metrics: deps.metrics,
        detail: () => ({ component: "gateway" }),
      });
logger.info(
  metricsServer
    ? { metrics: `http://${config.METRICS_HOST}:${metricsServer.port}/metrics` }
    : { metrics: "off (METRICS_PORT=0)" },
  "gateway metrics",
);

onShutdown(logger, async () => {
  await metricsServer?.close();
  await live.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await deps.close();
});
