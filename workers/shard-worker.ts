// Shard worker process: hosts the product's actors (the space actor) on the shards it leases (see
// workers/shard-worker-process.ts).
import { createSpaceActor } from "../actors/space/index.ts";
import { spacePolicyFromConfig } from "../actors/space/space-policy.ts";
import { runShardWorker } from "./shard-worker-process.ts";

await runShardWorker(({ pool, config }) => [
  createSpaceActor({ pool, policy: spacePolicyFromConfig(config) }),
]);
