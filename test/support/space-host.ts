// Runs the space actor in this test process: an actor host on the test Redis (under the test app's
// ACTOR_KEY_PREFIX, so other suites' workers never take its shards) deciding against the test
// PostgreSQL, stopped after the file's tests.
import { randomBytes } from "node:crypto";
import { afterAll } from "vitest";
import { actorDriverFromConfig, runtimeSettingsFromConfig } from "../../actors/runtime/from-config.ts";
import { ActorHost } from "../../actors/runtime/index.ts";
import { createSpaceActor, type SpaceActorOptions, spacePolicyFromConfig } from "../../actors/space/index.ts";
import type { Config } from "../../src/config/index.ts";
import type { LiveContext } from "../../src/live/index.ts";
import { createLogger } from "../../src/logger.ts";
import { bookingAdmissionFromConfig } from "../../src/storage/booking-admission.ts";
import type { Pool } from "../../src/storage/postgres.ts";

/** A key prefix of its own for one test file's actors. */
export function actorPrefix(): string {
  return `t${randomBytes(4).toString("hex")}`;
}

export async function startSpaceHost(
  config: Config,
  pool: Pool,
  workerId = "test-space-host",
  live?: LiveContext,
  /** Actor options besides the ones made here (e.g. settingsCheckMs). */
  options: Partial<SpaceActorOptions> = {},
) {
  const driver = actorDriverFromConfig(config, workerId);
  const host = new ActorHost({
    driver,
    workerId,
    shardCount: config.ACTOR_SHARD_COUNT,
    logger: createLogger(config, workerId),
    actors: [
      createSpaceActor({
        pool,
        policy: spacePolicyFromConfig(config),
        live,
        shardCount: config.ACTOR_SHARD_COUNT,
        ...(live === undefined ? {} : { admission: bookingAdmissionFromConfig(live.redis, config) }),
        ...options,
      }),
    ],
    settings: runtimeSettingsFromConfig(config),
  });
  await host.start();
  afterAll(async () => {
    await host.stop();
    await driver.close();
  });
  return host;
}
