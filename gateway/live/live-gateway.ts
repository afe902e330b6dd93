// Attaches the live gateway to the HTTP server of a gateway process: one hub and one broker,
// serving both transports (raw `ws` at /ws and socket.io namespace /live).
import type { Server } from "node:http";
import type { AccessTokens } from "../../src/auth/access-tokens.ts";
import type { Config } from "../../src/config/index.ts";
import { createLiveContext } from "../../src/live/live-context.ts";
import type { Logger } from "../../src/logger.ts";
import type { Metrics } from "../../src/metrics.ts";
import type { Pool } from "../../src/storage/postgres.ts";
import { createRedis, type Redis } from "../../src/storage/redis.ts";
import { type BookingCommands, unavailableBookingCommands } from "./booking-commands.ts";
import { BoundaryTicker } from "./boundary-ticker.ts";
import { RedisBroker } from "./broker.ts";
import { ConnectionLimits } from "./connection-limits.ts";
import { LocalHub } from "./hub.ts";
import { LiveIdentity } from "./identity.ts";
import { createLiveMetrics } from "./live-metrics.ts";
import { type LiveService, liveLimits } from "./live-service.ts";
import { attachSocketIoTransport } from "./transports/socket-io-transport.ts";
import { attachWsTransport } from "./transports/ws-transport.ts";

export interface LiveGatewayDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  pool: Pool;
  redis: Redis;
  accessTokens: AccessTokens;
  /** The booking actors' approve / reject; without it hosts get `unavailable`. */
  commands?: BookingCommands;
}

export function attachLiveGateway(server: Server, deps: LiveGatewayDeps) {
  const { config, logger } = deps;
  const live = createLiveContext(config, deps.redis, deps.pool);
  const subscriber = createRedis(config.REDIS_URL, "gateway-live-sub");
  const ioPub = createRedis(config.REDIS_URL, "gateway-socketio-pub");
  const ioSub = createRedis(config.REDIS_URL, "gateway-socketio-sub");
  for (const connection of [subscriber, ioPub, ioSub]) {
    connection.on("error", (error: Error) =>
      logger.warn({ err: error.message }, "live: redis connection error"),
    );
  }
  const broker = new RedisBroker(live, subscriber, logger);
  const hub = new LocalHub(broker);
  broker.attach(hub).catch((error: unknown) => {
    logger.error({ err: error }, "live: could not subscribe to ended sessions");
  });
  const service: LiveService = {
    hub,
    broker,
    resolutions: live.resolutions,
    limits: liveLimits(config),
    identity: new LiveIdentity(deps.accessTokens, deps.pool),
    commands: deps.commands ?? unavailableBookingCommands,
    logger,
    metrics: createLiveMetrics(deps.metrics),
    connections: new ConnectionLimits(config.LIVE_MAX_CONNECTIONS, config.LIVE_MAX_CONNECTIONS_PER_ADDRESS),
  };
  const ticker = new BoundaryTicker({
    live,
    watchedCells: () => hub.watchedCells(),
    logger,
    intervalMs: config.LIVE_BOUNDARY_TICK_MS,
  });
  broker.onCellChange = (cell, change) =>
    change.type === "delta" ? ticker.onDelta(cell, change.space) : ticker.onReset(cell);
  subscriber.on("ready", () => ticker.forgetAll());
  ticker.start();
  const ws = attachWsTransport(server, service);
  const io = attachSocketIoTransport(server, service, { pub: ioPub, sub: ioSub });

  return {
    service,
    io: io.io,
    ticker,
    async close() {
      await ticker.stop();
      await ws.close();
      await io.close();
      await broker.close();
      ioPub.disconnect();
      ioSub.disconnect();
    },
  };
}
