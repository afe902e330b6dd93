// Shard worker process: hosts the product's actors (the space actor) on the shards it leases (see
// workers/shard-worker-process.ts); committed booking decisions are published to the live map.
import { createSpaceActor } from "../actors/space/index.ts";
import { spacePolicyFromConfig } from "../actors/space/space-policy.ts";
import { createLiveContext } from "../src/live/index.ts";
import { bookingAdmissionFromConfig } from "../src/storage/booking-admission.ts";
import { runShardWorker } from "./shard-worker-process.ts";

await runShardWorker(({ pool, livePool, redis, config, logger }) => [
  createSpaceActor({
    pool,
    policy: spacePolicyFromConfig(config),
    live: createLiveContext(config, redis, livePool),
    logger,
    admission: bookingAdmissionFromConfig(redis, config),
    shardCount: config.ACTOR_SHARD_COUNT,
  }),
]);
