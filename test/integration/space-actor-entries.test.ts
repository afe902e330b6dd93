// A busy garage on the Redis driver: a space actor holding 2,000 future bookings writes, per
// decision, the entries of the bookings it touched and nothing else (a patch of one or two hash
// fields, whatever it holds), and the state Redis holds reads back equal to the actor's own and to
// the ledger's. The cost of a command does not grow with the bookings held.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ActorClient,
  type ActorDriver,
  ActorHost,
  type CommitRequest,
  createRedisDriver,
} from "../../actors/runtime/index.ts";
import { shardKeys } from "../../actors/runtime/keys.ts";
import {
  createSpaceActor,
  DEFAULT_SPACE_POLICY,
  loadSpaceState,
  SPACE_ACTOR_TYPE,
  type SpaceActorReply,
  type SpaceState,
  spaceStateEntries,
  storedSpaceStateSchema,
} from "../../actors/space/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { openSpace } from "../support/booking-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const HOUR = 3_600_000;
const HELD = 2_000;
const logger = createLogger({ LOG_LEVEL: "silent" }, "space-actor-entries");
const redis = createRedis(t.config.REDIS_URL, "space-actor-entries");
const namespace = `${actorPrefix()}:`;
const store = createRedisDriver({
  redis,
  connect: (purpose) => createRedis(t.config.REDIS_URL, purpose),
  namespace,
});

/** The space actor's commits as the worker sent them. */
const commits: CommitRequest[] = [];
const watched: ActorDriver = {
  ...store,
  commitGroup(fence, requests) {
    commits.push(...requests.filter((r) => r.actorType === SPACE_ACTOR_TYPE));
    return store.commitGroup(fence, requests);
  },
};

/** The state the actor held in memory after its last command. */
let held: SpaceState | undefined;
const spaceActor = createSpaceActor({ pool: t.deps.pool, policy: DEFAULT_SPACE_POLICY });
const actor: typeof spaceActor = {
  ...spaceActor,
  async handle(ctx, command) {
    const reply = await spaceActor.handle(ctx, command);
    held = ctx.state;
    return reply;
  },
};

function startHost(workerId: string) {
  return new ActorHost({ driver: watched, workerId, shardCount: 1, logger, actors: [actor] });
}

const client = new ActorClient({ driver: store, logger, timeoutMs: 20_000 });
let host = startHost("entries-1");
let spaceId = "";
let driverId = "";
/** Where the garage's held bookings start: whole hours, days ahead, 2 h apart. */
const base = Math.ceil(Date.now() / HOUR) * HOUR + 3 * 24 * HOUR;

beforeAll(async () => {
  await client.start();
  await host.start();
  driverId = (await t.signUp("driver")).userId;
  ({ spaceId } = await openSpace(t));
  // The garage's bookings, straight into the ledger before its actor first runs.
  await t.deps.pool.query(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
     select $1, $2, 'confirmed',
            tstzrange($3::timestamptz + i * interval '2 hours', $3::timestamptz + i * interval '2 hours' + interval '1 hour', '[)'),
            'EUR', 300, 30, 270
       from generate_series(0, $4::int - 1) as i`,
    [spaceId, driverId, new Date(base), HELD],
  );
});
afterAll(async () => {
  await client.close();
  await host.stop();
  await store.close();
  await redis.quit();
});

function send(command: Record<string, unknown>) {
  const commandId = randomUUID();
  return client.send<SpaceActorReply>(
    { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard: 0 },
    { ...command, commandId },
    { commandId },
  );
}

/** A request for one hour in a gap between the held bookings (the `n`th gap). */
function requestInGap(n: number) {
  const start = base + (2 * n + 1) * HOUR;
  return send({ type: "requestBooking", bookingId: randomUUID(), driverId, start, end: start + HOUR });
}

/** The state Redis holds for the space, read back as an activation reads it. */
async function storedState(): Promise<SpaceState> {
  const entries = await store.loadState(0, SPACE_ACTOR_TYPE, spaceId);
  if (entries === null) throw new Error("no state stored");
  const values = new Map(Object.entries(entries).map(([key, value]) => [key, JSON.parse(value)]));
  return storedSpaceStateSchema.parse(spaceStateEntries.from(values));
}

const setKeys = (commit: CommitRequest | undefined) =>
  commit?.state?.op === "patch" ? Object.keys(commit.state.set) : [];

describe("a space actor holding thousands of bookings", () => {
  it("writes its whole state once when activated, then only the entries each decision touched", async () => {
    const first = await requestInGap(0);
    expect(first?.status).toBe("confirmed");
    // Rebuilt from the ledger: the space part and every booking, the new one too.
    expect(commits.map((c) => c.state?.op)).toEqual(["replace"]);
    const whole = commits[0]!.state;
    expect(whole?.op === "replace" ? Object.keys(whole.entries).length : 0).toBe(1 + HELD + 1);

    commits.length = 0;
    const second = await requestInGap(1);
    expect(second?.status).toBe("confirmed");
    expect(commits).toHaveLength(1);
    expect(commits[0]!.state).toEqual({
      op: "patch",
      set: { [`b:${second!.id}`]: expect.any(String) },
      remove: [],
    });
    expect(await redis.hlen(shardKeys(namespace, 0).state(SPACE_ACTOR_TYPE, spaceId))).toBe(1 + HELD + 2);

    commits.length = 0;
    await send({ type: "cancel", bookingId: first!.id, by: driverId });
    expect(setKeys(commits[0])).toEqual([`b:${first!.id}`]);

    // What Redis holds is the actor's state, and the ledger's.
    const stored = await storedState();
    expect(stored).toEqual(held);
    expect(stored.bookings).toHaveLength(HELD + 2);
    expect(stored).toEqual(await loadSpaceState(t.deps.pool, spaceId, Date.now()));
  });

  it("is activated again from its entries on another worker, and goes on writing only what changed", async () => {
    await host.stop();
    host = startHost("entries-2");
    await host.start();
    const before = await storedState();
    commits.length = 0;
    const third = await requestInGap(2);
    expect(third?.status).toBe("confirmed");
    // Read from Redis, not rebuilt from the ledger (that would write the whole state again).
    expect(commits.map((c) => c.state?.op)).toEqual(["patch"]);
    expect(setKeys(commits[0])).toEqual([`b:${third!.id}`]);
    const after = await storedState();
    expect(after.bookings.toArray().filter((b) => b.id !== third!.id)).toEqual(before.bookings.toArray());
    expect(after).toEqual(held);
  });
});
