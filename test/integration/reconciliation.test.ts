// Reconciliation against real Redis + PostgreSQL and the space actor hosted in this process: with
// the actors' reminder keys deleted, a pending request still expires (the BullMQ job on a short
// period; a direct pass expires a passed deadline and re-arms a confirmed stay's start and end); a
// live cell whose state disagrees with the ledger (a wrong state, a missing and an extra space) is
// rebuilt under a new epoch; and a pass over a system with nothing wrong repairs nothing.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { cellToParent } from "h3-js";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorNamespace, createActorClient } from "../../actors/runtime/from-config.ts";
import { reminderMember, shardKeys } from "../../actors/runtime/keys.ts";
import { SPACE_ACTOR_TYPE } from "../../actors/space/index.ts";
import { Reconciler, type ReconcilerOptions } from "../../src/jobs/reconciliation.ts";
import { startReconciliationJob } from "../../src/jobs/reconciliation-job.ts";
import { createReconcileMetrics } from "../../src/jobs/reconciliation-metrics.ts";
import {
  createLiveContext,
  loadCellFromLedger,
  publishSpaceChange,
  readAggregates,
  readCell,
  removeSpaceFromCell,
} from "../../src/live/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { openSpace, startingSoon, window } from "../support/booking-fixtures.ts";
import { connectWs } from "../support/live-clients.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { listenLiveGateway } from "../support/live-gateway-server.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const PERIOD_SECONDS = 2;
const GRACE_MS = 1000;
const SHARDS = 4;
const t = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: String(SHARDS),
  RECONCILE_INTERVAL_SECONDS: String(PERIOD_SECONDS),
});
const live = createLiveContext(t.config, t.deps.redis, t.deps.pool);
const logger = createLogger(t.config, "reconciliation-test");
const namespace = actorNamespace(t.config);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** Long enough to wait for a deadline at the next whole minute, and a pass after it. */
const DEADLINE_TEST_MS = 150_000;

const closing: Array<() => Promise<unknown>> = [];

/**
 * A reconciler scoped to some hosts' spaces, with its own metrics registry and (as a jobs worker
 * of its own would have) its own actor client.
 */
async function reconciler(hostIds: string[], options: ReconcilerOptions = {}) {
  const client = await createActorClient(t.config, logger, `reconcile-test-${randomUUID()}`);
  closing.push(() => client.close());
  const registry = new Registry();
  const metrics = createReconcileMetrics(registry);
  const instance = new Reconciler(
    {
      live,
      redis: t.deps.redis,
      actors: client.client,
      namespace,
      shardCount: SHARDS,
      metrics,
      logger,
    },
    { graceMs: GRACE_MS, confirmDelayMs: 300, bookingHorizonMs: 7 * DAY, hostIds, ...options },
  );
  const counts = async () => {
    const read = async (name: string) =>
      Object.fromEntries(
        (await registry.getSingleMetric(name)!.get()).values.map((v) => [
          String(v.labels.kind ?? v.labels.outcome),
          v.value,
        ]),
      );
    return { repairs: await read("reconcile_repairs_total"), passes: await read("reconcile_passes_total") };
  };
  return { instance, counts };
}

async function statusOf(bookingId: string): Promise<string> {
  const { rows } = await t.deps.pool.query(`select status from bookings where id = $1`, [bookingId]);
  return rows[0]?.status;
}

async function deleteReminderKeys() {
  for (let shard = 0; shard < SHARDS; shard++) await t.deps.redis.del(shardKeys(namespace, shard).reminders);
}

/** The reminder's due time as its shard holds it, or null. */
async function reminderAt(spaceId: string, name: string): Promise<number | null> {
  for (let shard = 0; shard < SHARDS; shard++) {
    const score = await t.deps.redis.zscore(
      shardKeys(namespace, shard).reminders,
      reminderMember(SPACE_ACTOR_TYPE, spaceId, name),
    );
    if (score !== null) return Number(score);
  }
  return null;
}

/** A host and a space open around the clock, in a map cell of its own. */
const spaceAlone = (overrides: Record<string, unknown> = {}) =>
  openSpace(t, { minNoticeMinutes: 0, location: randomPoint(), ...overrides });

/** A request-to-book whose deadline is its start: the next whole minute at least 10 s from now. */
async function pendingRequest() {
  const { host, spaceId } = await spaceAlone({ bookingMode: "request" });
  const driver = await t.signUp("driver");
  const { start, end, startMs } = startingSoon();
  const res = await driver.client.post("/api/v1/bookings", { spaceId, start, end });
  expect(res.status).toBe(201);
  expect(res.body.status).toBe("pending_approval");
  expect(Date.parse(res.body.expiresAt)).toBe(startMs);
  return { hostId: host.userId, spaceId, bookingId: res.body.id as string, deadline: startMs };
}

let jobRequest: Awaited<ReturnType<typeof pendingRequest>>;
let passRequest: Awaited<ReturnType<typeof pendingRequest>>;

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-reconcile-host", live);
  // Two requests whose deadlines pass during this file; each is watched by its own reconciler.
  [jobRequest, passRequest] = await Promise.all([pendingRequest(), pendingRequest()]);
  expect(await reminderAt(jobRequest.spaceId, `expire:${jobRequest.bookingId}`)).toBe(jobRequest.deadline);
});

afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

describe("reconciliation of reminders", () => {
  it(
    "expires a pending request whose reminders were deleted, within one period of its deadline (the job)",
    async () => {
      await deleteReminderKeys();
      expect(await reminderAt(jobRequest.spaceId, `expire:${jobRequest.bookingId}`)).toBeNull();
      const connection = createRedis(t.config.REDIS_URL, "reconcile-test-bullmq", { blocking: true });
      const { instance } = await reconciler([jobRequest.hostId]);
      const job = await startReconciliationJob({
        connection,
        intervalSeconds: t.config.RECONCILE_INTERVAL_SECONDS,
        reconciler: instance,
        logger,
        queueName: `reconciliation-${randomUUID()}`,
      });
      closing.push(async () => {
        await job.close();
        await connection.quit();
      });
      // Deadline: one period after the deadline (plus the in-flight grace and a pass's own time).
      const limit = jobRequest.deadline + PERIOD_SECONDS * 1000 + GRACE_MS + 3000;
      while ((await statusOf(jobRequest.bookingId)) !== "expired" && Date.now() < limit) await sleep(100);
      expect(await statusOf(jobRequest.bookingId)).toBe("expired");
      expect(job.passes()).toBeGreaterThan(0);
    },
    DEADLINE_TEST_MS,
  );

  it(
    "expires a passed deadline through the actor and re-arms a confirmed stay's start and end (a pass)",
    async () => {
      // A confirmed stay (instant space): a start and an end reminder.
      const instant = await spaceAlone();
      const driver = await t.signUp("driver");
      const stay = window(1, 2);
      const booked = await driver.client.post("/api/v1/bookings", { spaceId: instant.spaceId, ...stay });
      expect(booked.body.status).toBe("confirmed");
      await deleteReminderKeys();
      // The request's deadline passes with no reminder anywhere.
      while (Date.now() < passRequest.deadline + GRACE_MS + 100) await sleep(100);
      expect(await statusOf(passRequest.bookingId)).toBe("pending_approval");

      const hosts = [passRequest.hostId, instant.host.userId];
      const first = await reconciler(hosts);
      const second = await reconciler(hosts);
      // Two passes at once: one expires the request; the other finds it settled at its second
      // look, or sends the same expire and is answered from the actor's record. Either (or both)
      // re-arms the stay's reminders, to the same times.
      const reports = await Promise.all([first.instance.pass(), second.instance.pass()]);
      expect(reports.map((r) => r.expired).sort()).toEqual([0, 1]);
      expect(reports.map((r) => r.failed)).toEqual([0, 0]);
      expect(reports.map((r) => r.rearmed)).toContainEqual(2);
      for (const r of reports) expect([0, 2]).toContain(r.rearmed);
      expect(await statusOf(passRequest.bookingId)).toBe("expired");
      const { rows: history } = await t.deps.pool.query(
        `select to_status from booking_status_history where booking_id = $1 and to_status = 'expired'`,
        [passRequest.bookingId],
      );
      expect(history).toHaveLength(1);
      expect(await reminderAt(instant.spaceId, `start:${booked.body.id}`)).toBe(Date.parse(stay.start));
      expect(await reminderAt(instant.spaceId, `end:${booked.body.id}`)).toBe(Date.parse(stay.end));
      const counted = [await first.counts(), await second.counts()];
      expect(counted.map((c) => c.repairs.expired).sort()).toEqual([0, 1]);
      expect(counted.map((c) => c.repairs.reminder_rearmed)).toEqual(reports.map((r) => r.rearmed));
      expect(counted.map((c) => c.repairs.cell_rebuilt)).toEqual([0, 0]);

      // Nothing left to repair.
      expect(await first.instance.pass()).toMatchObject({
        expired: 0,
        rearmed: 0,
        failed: 0,
        cellsRebuilt: 0,
      });
    },
    DEADLINE_TEST_MS,
  );
});

describe("reconciliation of live cells", () => {
  it("rebuilds a cell holding a wrong state, missing one space and holding an extra one; a watcher re-snapshots", async () => {
    const hostId = await insertHost(t.deps.pool);
    const { cell, points } = pointsInCell(randomPoint(), 3, t.config.H3_MAP_RESOLUTION);
    const spaces = [];
    for (const p of points) spaces.push(await insertSpace(t.deps.pool, t.config, hostId, p));
    const built = await readCell(live, cell);
    expect(built.kind === "snapshot" && built.spaces.length).toBe(3);
    // A map client watching the cell over the raw WebSocket.
    const gateway = await listenLiveGateway({ config: t.config, pool: t.deps.pool, redis: t.deps.redis });
    closing.push(() => gateway.close());
    const client = await connectWs(gateway.url);
    closing.push(async () => client.close());
    client.send({ type: "subscribe", ref: "c", cells: [cell] });
    expect(await client.next((m) => m.type === "snapshot" && m.cell === cell)).toMatchObject({
      epoch: built.epoch,
    });
    const stored = (id: string) =>
      JSON.parse((built as { spaces: string[] }).spaces.find((j) => j.includes(id))!);
    const [wrong, dropped] = [stored(spaces[0]!.id), stored(spaces[1]!.id)];
    // Publishes the ledger never committed (as if decided on a lost state), and one that got lost.
    await publishSpaceChange(live, cell, { ...wrong, state: "occupied", freeUntil: undefined });
    await removeSpaceFromCell(live, cell, dropped.id);
    await publishSpaceChange(live, cell, { ...wrong, id: randomUUID(), lat: points[0]!.lat });
    const corrupted = await readCell(live, cell);
    expect(corrupted.kind === "snapshot" && corrupted.spaces.length).toBe(3);
    await client.next((m) => m.type === "delta" && m.offset === corrupted.offset);

    const { instance, counts } = await reconciler([hostId]);
    const report = await instance.pass();
    expect(report).toMatchObject({ cellsChecked: 1, cellsRebuilt: 1 });
    expect((await counts()).repairs).toMatchObject({ cell_rebuilt: 1 });

    // A watcher resuming from its position gets a snapshot under a new epoch: the ledger's truth.
    const after = await readCell(live, cell, { epoch: corrupted.epoch, offset: corrupted.offset });
    expect(after.kind).toBe("snapshot");
    expect(after.epoch).not.toBe(corrupted.epoch);
    // (freeUntil of a space open around the clock is the derivation's horizon: it moves with time.)
    const withoutHorizon = (list: Array<{ id: string; freeUntil?: string }>) =>
      list.map(({ freeUntil: _, ...rest }) => rest).sort((a, b) => (a.id < b.id ? -1 : 1));
    const shown = (after as { spaces: string[] }).spaces.map((j) => JSON.parse(j));
    const truth = await loadCellFromLedger(t.deps.pool, cell, new Date());
    expect(withoutHorizon(shown)).toEqual(withoutHorizon(truth));
    expect(withoutHorizon(shown).map((s) => s.id)).toEqual(spaces.map((s) => s.id).sort());
    expect(shown.every((s) => s.state === "available")).toBe(true);
    // The watching client is sent the same: a snapshot under the new epoch.
    const resent = await client.next(
      (m) => m.type === "snapshot" && m.cell === cell && m.epoch === after.epoch,
    );
    expect(withoutHorizon(resent.spaces)).toEqual(withoutHorizon(truth));
    // The aggregate parent counts the cell as the ledger does.
    const [counted] = await readAggregates(live, [cellToParent(cell, t.config.LIVE_AGGREGATE_RESOLUTION)]);
    expect(counted).toMatchObject({ free: 3, total: 3 });
  });

  it("repairs nothing when nothing is wrong (metrics unchanged)", async () => {
    const request = await spaceAlone({ bookingMode: "request" });
    const instant = await spaceAlone();
    const driver = await t.signUp("driver");
    const pending = await driver.client.post("/api/v1/bookings", {
      spaceId: request.spaceId,
      ...window(3, 1),
    });
    const confirmed = await driver.client.post("/api/v1/bookings", {
      spaceId: instant.spaceId,
      ...window(0, 1),
    });
    expect([pending.body.status, confirmed.body.status]).toEqual(["pending_approval", "confirmed"]);
    await readCell(live, request.space.cells.map);
    await readCell(live, instant.space.cells.map);
    const { instance, counts } = await reconciler([request.host.userId, instant.host.userId]);
    const before = await counts();
    for (let i = 0; i < 2; i++) {
      expect(await instance.pass()).toEqual({
        expired: 0,
        rearmed: 0,
        failed: 0,
        cellsChecked: 2,
        cellsRebuilt: 0,
      });
    }
    const after = await counts();
    expect(after.repairs).toEqual(before.repairs);
    expect(after.passes.ok).toBe(before.passes.ok! + 2);
  });
});
