// Shard worker process: hosts the product's actors on the shards it leases (see
// workers/shard-worker-process.ts). The space actor registers here once it lands.
import { runShardWorker } from "./shard-worker-process.ts";

await runShardWorker(() => []);
