// Bookings under faults: three shard-worker processes (the real entry, workers/shard-worker.ts) decide
// a steady booking load sent through REST while one worker is SIGKILLed and another SIGSTOPped past
// its lease TTL and resumed (frozen inside booking commits: a row lock on its spaces holds them back).
// Afterwards no two slot-holding bookings of a space overlap, every 201 the drivers got is a
// slot-holding row in PostgreSQL, no command is left pending, the resumed worker let its stale shards
// go and the store refuses every write under their old epochs, and each victim's shards were re-owned
// within 2 × the lease TTL.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorDriverFromConfig } from "../../actors/runtime/from-config.ts";
import { StaleEpochError, shardOfShardCell } from "../../actors/runtime/index.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { openSpace, sqlDrivers } from "../support/booking-fixtures.ts";
import { expectLedgerHolds } from "../support/ledger-checks.ts";
import { actorPrefix } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker, type WorkerProcess } from "../support/worker-processes.ts";

const SHARDS = 6;
const LEASE_TTL_MS = 1000;
const SPACES = 24;
const DRIVERS = 24;
const CONCURRENCY = 16;
const HOUR = 3_600_000;

const settings = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: String(SHARDS),
  SHARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
};
// A few drivers keep up a steady load: the per-driver limits are not what is measured.
const t = createTestApp({
  ...settings,
  ACTOR_REPLY_TIMEOUT_MS: "15000",
  BOOKING_COMMANDS_PER_MINUTE: "100000",
  BOOKING_PENDING_PER_DRIVER: "10000",
});
const driver = actorDriverFromConfig(t.config, "booking-faults-test");
afterAll(() => driver.close());

let workers: WorkerProcess[] = [];

beforeAll(async () => {
  const env = {
    ...settings,
    DATABASE_URL: t.config.DATABASE_URL,
    REDIS_URL: t.config.REDIS_URL,
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
  };
  workers = await Promise.all(
    ["fault-worker-1", "fault-worker-2", "fault-worker-3"].map((id) =>
      spawnWorker(id, env, SHARD_WORKER_ENTRY),
    ),
  );
  await waitFor(
    () => Promise.all(workers.map((w) => w.health())),
    (snapshots) =>
      snapshots.every((s) => s.ownedShards.length === SHARDS / workers.length) &&
      new Set(snapshots.flatMap((s) => s.ownedShards.map((o) => o.shard))).size === SHARDS,
    20_000,
    "an even spread of shards",
  );
}, 90_000);

/** Spaces spread over Spain, so that they land on many H3 shard cells and so on every shard worker. */
async function spreadSpaces(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 6) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(6, count - i) }, (_, j) => {
        const n = i + j;
        const location = { lat: 37 + (n % 6), lng: -7 + Math.floor(n / 6) * 1.7 };
        return openSpace(t, { location });
      }),
    );
    ids.push(...batch.map((s) => s.spaceId));
  }
  return ids;
}

/** A 1–3 h window on whole hours within a 24 h range days ahead: requests for one space often overlap. */
function randomWindow(base: number) {
  const start = base + Math.floor(Math.random() * 24) * HOUR;
  const hours = 1 + Math.floor(Math.random() * 3);
  return { start: new Date(start).toISOString(), end: new Date(start + hours * HOUR).toISOString() };
}

/** Drivers booking continuously; a 503 is retried with the same Idempotency-Key; a 201 is logged. */
function bookingLoad(spaceIds: string[], crowd: Awaited<ReturnType<typeof sqlDrivers>>) {
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 72 * HOUR;
  const acknowledged: { id: string; spaceId: string }[] = [];
  const unexpected: { status: number; body: unknown }[] = [];
  let taken = 0;
  let retried = 0;
  let running = true;
  const loop = async (lane: number) => {
    let sent = 0;
    while (running) {
      const client = crowd[(lane + sent * CONCURRENCY) % crowd.length]!;
      const spaceId = spaceIds[Math.floor(Math.random() * spaceIds.length)]!;
      const body = { spaceId, ...randomWindow(base) };
      const headers = { "Idempotency-Key": randomUUID() };
      sent += 1;
      for (let attempt = 0; ; attempt++) {
        const answer = await client.post("/api/v1/bookings", body, headers);
        if (answer.status === 201) {
          acknowledged.push({ id: answer.body.id as string, spaceId });
        } else if (answer.status === 409 && answer.body?.error?.code === "slot_unavailable") {
          taken += 1;
        } else if (
          ((answer.status === 503 && answer.body?.error?.code === "actor_timeout") ||
            (answer.status === 409 && answer.body?.error?.code === "idempotency_in_flight")) &&
          attempt < 5
        ) {
          retried += 1;
          continue;
        } else {
          unexpected.push({ status: answer.status, body: answer.body });
        }
        break;
      }
    }
    return sent;
  };
  const lanes = Promise.all(Array.from({ length: CONCURRENCY }, (_, lane) => loop(lane)));
  return {
    acknowledged,
    unexpected,
    counts: () => ({ taken, retried }),
    async stop() {
      running = false;
      return (await lanes).reduce((a, b) => a + b, 0);
    },
  };
}

/** Milliseconds from now until none of `shards` is leased to the victim's incarnation any more. */
async function reownedAfter(shards: number[], victimIncarnation: string, label: string) {
  const started = Date.now();
  await waitFor(
    () => Promise.all(shards.map((s) => driver.currentLease(s))),
    (leases) => leases.every((l) => l !== null && l.owner !== victimIncarnation),
    4 * LEASE_TTL_MS,
    label,
  );
  return Date.now() - started;
}

/** The spaces among `spaceIds` whose shard is one of `shards`. */
async function spacesOn(spaceIds: string[], shards: number[]): Promise<string[]> {
  const { rows } = await t.deps.pool.query<{ id: string; shardCell: string }>(
    `select id, h3_shard_cell as "shardCell" from parking_spaces where id = any($1::uuid[])`,
    [spaceIds],
  );
  return rows.filter((r) => shards.includes(shardOfShardCell(r.shardCell, SHARDS))).map((r) => r.id);
}

const pendingOn = async (shards: number[]) =>
  (await Promise.all(shards.map((s) => driver.pendingCount(s)))).reduce((a, b) => a + b, 0);

describe("bookings under worker faults", () => {
  it("SIGKILL one worker and SIGSTOP/SIGCONT another under load: no overlap, no lost 201, nothing pending", async () => {
    const spaceIds = await spreadSpaces(SPACES);
    const crowd = await sqlDrivers(t, DRIVERS, "faults");
    const [killed, frozen] = [workers[0]!, workers[1]!];
    const killedBefore = await killed.health();
    const killedShards = killedBefore.ownedShards.map((o) => o.shard);

    const load = bookingLoad(spaceIds, crowd);
    await sleep(1500);

    killed.signal("SIGKILL");
    const killFailover = await reownedAfter(
      killedShards,
      killedBefore.incarnation,
      "the killed worker's shards",
    );
    const survivors = [frozen, workers[2]!];
    await waitFor(
      () => Promise.all(survivors.map((w) => w.health())),
      (snapshots) =>
        snapshots.every((s) => s.ownedShards.length === SHARDS / survivors.length) &&
        new Set(snapshots.flatMap((s) => s.ownedShards.map((o) => o.shard))).size === SHARDS,
      10_000,
      "the survivors to share every shard",
    );
    await sleep(500);

    // Freeze the second victim while it is inside a commit: its spaces' rows are held `for update`, so
    // the booking transactions it has started wait in PostgreSQL, and they go on only after it resumes.
    const frozenBefore = await frozen.health();
    const frozenShards = frozenBefore.ownedShards.map((o) => o.shard);
    const frozenSpaces = await spacesOn(spaceIds, frozenShards);
    expect(frozenSpaces.length).toBeGreaterThan(0);
    const lock = await t.deps.pool.connect();
    let stopFailover: number;
    try {
      await lock.query("begin");
      await lock.query(`select id from parking_spaces where id = any($1::uuid[]) for update`, [frozenSpaces]);
      await waitFor(
        () => pendingOn(frozenShards),
        (n) => n >= 1,
        5000,
        "commands in flight on the worker to freeze",
      );
      await sleep(300);
      frozen.signal("SIGSTOP");
      stopFailover = await reownedAfter(frozenShards, frozenBefore.incarnation, "the frozen worker's shards");
      await sleep(2 * LEASE_TTL_MS);
      frozen.signal("SIGCONT");
      await sleep(300);
    } finally {
      await lock.query("rollback");
      lock.release();
    }
    // The resumed worker stops its stale shards: at its next fenced write (refused by Redis) or at
    // its own lease check, whichever comes first (a race between its blocked commits and the new
    // owner's); either way the store refuses every write under its old epochs.
    const resumed = await waitFor(
      () => frozen.health(),
      (s) => s.stats.leasesLost >= frozenShards.length,
      5000,
      "the resumed worker to be fenced off",
    );
    for (const { shard, epoch } of frozenBefore.ownedShards) {
      const stale = { shard, owner: frozenBefore.incarnation, epoch };
      await expect(
        driver.commit(stale, { actorType: "space", actorId: "fenced", state: { op: "delete" } }),
      ).rejects.toBeInstanceOf(StaleEpochError);
    }
    await sleep(1000);
    const sent = await load.stop();

    // Faults: both victims' shards moved on in time; the resumed worker let its stale shards go.
    expect(killFailover).toBeLessThanOrEqual(2 * LEASE_TTL_MS);
    expect(stopFailover).toBeLessThanOrEqual(2 * LEASE_TTL_MS);
    expect(resumed.stats.leasesLost).toBeGreaterThanOrEqual(frozenShards.length);
    for (const shard of frozenShards) {
      const lease = await driver.currentLease(shard);
      const old = frozenBefore.ownedShards.find((o) => o.shard === shard)!;
      expect(lease!.epoch).toBeGreaterThan(old.epoch);
    }

    // The load was real, contended, and every answer a 201 or a 409 slot_unavailable.
    expect(load.unexpected).toEqual([]);
    expect(sent).toBeGreaterThan(100);
    expect(load.acknowledged.length).toBeGreaterThan(20);
    expect(load.counts().taken).toBeGreaterThan(0);

    // No two slot-holding bookings of one space overlap; every acknowledged one is in the ledger.
    await expectLedgerHolds(t.deps.pool, spaceIds, load.acknowledged);

    // Nothing left pending in any shard's mailbox.
    await waitFor(
      () => pendingOn([...Array(SHARDS).keys()]),
      (pending) => pending === 0,
      5000,
      "no pending commands",
    );
  }, 90_000);
});
