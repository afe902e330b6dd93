// A shard-worker process hosting the counter test actor, spawned by the fault tests.
import { runShardWorker } from "../../workers/shard-worker-process.ts";
import { createCounterActor } from "./counter-actor.ts";

await runShardWorker(({ workerId }) => [createCounterActor({ workerId })]);
