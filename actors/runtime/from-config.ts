// Builds the Redis actor driver and runtime settings from the process configuration.
import type { Config } from "../../src/config/index.ts";
import type { Logger } from "../../src/logger.ts";
import { createRedis, type Redis } from "../../src/storage/redis.ts";
import { ActorClient } from "./actor-client.ts";
import type { ActorDriver } from "./driver.ts";
import { createRedisDriver } from "./redis-driver.ts";
import { type RuntimeSettings, runtimeSettings } from "./settings.ts";

export function actorNamespace(config: Pick<Config, "ACTOR_KEY_PREFIX">): string {
  return config.ACTOR_KEY_PREFIX ? `${config.ACTOR_KEY_PREFIX}:` : "";
}

/** A Redis driver on its own auto-pipelined command connection, closed with the driver. */
export function actorDriverFromConfig(config: Config, name: string): ActorDriver {
  const redis: Redis = createRedis(config.REDIS_URL, `${name}-actors`, { autoPipelining: true });
  const driver = createRedisDriver({
    redis,
    connect: (purpose) => createRedis(config.REDIS_URL, `${name}-${purpose}`),
    namespace: actorNamespace(config),
  });
  return {
    ...driver,
    async close() {
      await driver.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function runtimeSettingsFromConfig(config: Config): RuntimeSettings {
  return runtimeSettings({
    leaseTtlMs: config.SHARD_LEASE_TTL_MS,
    passivateAfterMs: config.ACTOR_PASSIVATE_AFTER_MS,
    replyRetentionMs: config.ACTOR_REPLY_RETENTION_MS,
  });
}

/** The gateway's client: started (subscribed to its reply channel) and ready to send. */
export async function createActorClient(config: Config, logger: Logger, name = "gateway") {
  const driver = actorDriverFromConfig(config, name);
  const client = new ActorClient({ driver, logger, timeoutMs: config.ACTOR_REPLY_TIMEOUT_MS });
  await client.start();
  return {
    client,
    async close() {
      await client.close();
      await driver.close();
    },
  };
}
