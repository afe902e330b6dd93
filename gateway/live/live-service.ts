// Everything a live session needs, built once per gateway process: hub, broker, resolutions,
// limits, identity checks, booking commands, logger and metrics.
import type { Config } from "../../src/config/index.ts";
import type { LiveResolutions } from "../../src/live/cell-keys.ts";
import type { Logger } from "../../src/logger.ts";
import type { BookingCommands } from "./booking-commands.ts";
import type { RedisBroker } from "./broker.ts";
import type { ConnectionLimits } from "./connection-limits.ts";
import type { LocalHub } from "./hub.ts";
import type { LiveIdentity } from "./identity.ts";
import type { LiveMetrics } from "./live-metrics.ts";

export interface LiveLimits {
  messagesPerSecond: number;
  burst: number;
  maxWatchedCells: number;
  maxCellsPerSubscription: number;
  spacesMinZoom: number;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  pingIntervalMs: number;
  allowedOrigins: readonly string[];
  /** Which X-Forwarded-For hop names the client (the HTTP API's rule, `clientIpOfRequest`). */
  trustProxy: Config["TRUST_PROXY"];
}

export interface LiveService {
  hub: LocalHub;
  broker: RedisBroker;
  resolutions: LiveResolutions;
  limits: LiveLimits;
  identity: LiveIdentity;
  commands: BookingCommands;
  logger: Logger;
  metrics: LiveMetrics;
  /** Connection caps of this process, shared by both transports. */
  connections: ConnectionLimits;
}

export function liveLimits(config: Config): LiveLimits {
  return {
    messagesPerSecond: config.LIVE_MESSAGES_PER_SECOND,
    burst: config.LIVE_MESSAGE_BURST,
    maxWatchedCells: config.LIVE_MAX_WATCHED_CELLS,
    maxCellsPerSubscription: config.LIVE_MAX_CELLS_PER_SUBSCRIPTION,
    spacesMinZoom: config.LIVE_SPACES_MIN_ZOOM,
    maxPayloadBytes: config.LIVE_MAX_PAYLOAD_BYTES,
    maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
    pingIntervalMs: config.LIVE_PING_INTERVAL_MS,
    // The gateway's own page is always allowed to connect.
    allowedOrigins: [...config.LIVE_ALLOWED_ORIGINS, new URL(config.PUBLIC_URL).origin],
    trustProxy: config.TRUST_PROXY,
  };
}
