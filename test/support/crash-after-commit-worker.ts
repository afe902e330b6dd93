// A shard-worker process hosting the real space actor, except that it dies by SIGKILL right after
// the ledger committed a batch holding a request whose special requests say "crash after commit":
// between the PostgreSQL commit and the Redis commit, the stored reply and the answer. Spawned by the
// fault test that proves such a command is answered with what was committed.
import type { FlushContext } from "../../actors/runtime/actor.ts";
import { createSpaceActor } from "../../actors/space/index.ts";
import { spacePolicyFromConfig } from "../../actors/space/space-policy.ts";
import { runShardWorker } from "../../workers/shard-worker-process.ts";
import { CRASH_MARK } from "./booking-fixtures.ts";

await runShardWorker(({ pool, config }) => {
  const actor = createSpaceActor({ pool, policy: spacePolicyFromConfig(config) });
  return [
    {
      ...actor,
      async flushWrites(writes: Parameters<NonNullable<typeof actor.flushWrites>>[0], ctx: FlushContext) {
        await actor.flushWrites?.(writes, ctx);
        const marked = writes.some(
          (w) =>
            "events" in w &&
            w.events.some((e) => e.type === "bookingRequested" && e.specialRequests === CRASH_MARK),
        );
        if (marked) process.kill(process.pid, "SIGKILL");
      },
    },
  ];
});
