// What every live-cell operation needs: Redis (state, history, pub/sub), PostgreSQL (the ledger a
// cell is rebuilt from), the H3 resolutions and the history cap. Built once per process.
import type { Config } from "../config/index.ts";
import type { Pool } from "../storage/postgres.ts";
import type { Redis } from "../storage/redis.ts";
import type { LiveResolutions } from "./cell-keys.ts";

export interface LiveContext {
  redis: Redis;
  pool: Pool;
  resolutions: LiveResolutions;
  historyLength: number;
}

export function liveResolutions(
  config: Pick<Config, "H3_MAP_RESOLUTION" | "H3_SHARD_RESOLUTION" | "LIVE_AGGREGATE_RESOLUTION">,
): LiveResolutions {
  return {
    map: config.H3_MAP_RESOLUTION,
    shard: config.H3_SHARD_RESOLUTION,
    aggregate: config.LIVE_AGGREGATE_RESOLUTION,
  };
}

export function createLiveContext(config: Config, redis: Redis, pool: Pool): LiveContext {
  return { redis, pool, resolutions: liveResolutions(config), historyLength: config.LIVE_HISTORY_LENGTH };
}
