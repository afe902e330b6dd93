import { beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/actor-conformance.ts";
import { ledgerOf, openSpace, sqlDrivers } from "../support/booking-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

const SHARDS = 4;
const settings = { ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: String(SHARDS) };
// A crowd of few drivers sends many requests at once: the per-driver limits are not what is measured.
const t = createTestApp({
  ...settings,
  ACTOR_REPLY_TIMEOUT_MS: "20000",
  BOOKING_COMMANDS_PER_MINUTE: "100000",
  BOOKING_PENDING_PER_DRIVER: "10000",
});
const HOUR = 3_600_000;

beforeAll(async () => {
  const env = {
    ...settings,
    DATABASE_URL: t.config.DATABASE_URL,
    REDIS_URL: t.config.REDIS_URL,
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
  };
  const workers = await Promise.all(
    ["booking-worker-1", "booking-worker-2"].map((id) => spawnWorker(id, env, SHARD_WORKER_ENTRY)),
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

/** A window inside [base, base + 5 h) that contains [base + 2 h, base + 3 h): all of them overlap. */
function overlapping(base: number, i: number) {
  const start = base + (i % 8) * 15 * 60_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 3 * HOUR).toISOString() };
}

async function slotHolders(spaceId: string) {
  const { rows } = await t.deps.pool.query<{ id: string; status: string }>(
    `select id, status from bookings where space_id = $1
        and status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active')`,
    [spaceId],
  );
  return rows;
}

const base = Math.ceil(Date.now() / HOUR) * HOUR + 72 * HOUR;

describe("booking contention", () => {
  it("500 concurrent overlapping requests on one instant space: one 201, 499 × 409, one row", async () => {
    const { spaceId } = await openSpace(t);
    const crowd = await sqlDrivers(t, 50, "crowd");
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        crowd[i % crowd.length]!.post("/api/v1/bookings", { spaceId, ...overlapping(base, i) }),
      ),
    );
    const created = answers.filter((a) => a.status === 201);
    const taken = answers.filter((a) => a.status === 409 && a.body?.error?.code === "slot_unavailable");
    expect(created).toHaveLength(1);
    expect(taken).toHaveLength(499);
    expect(created[0]!.body.status).toBe("confirmed");

    const holders = await slotHolders(spaceId);
    expect(holders).toEqual([{ id: created[0]!.body.id, status: "confirmed" }]);
    const ledger = await ledgerOf(t, created[0]!.body.id);
    expect(ledger.history).toEqual([{ from: null, to: "confirmed" }]);
    expect(ledger.outbox).toEqual(["booking.requested"]);
  }, 120_000);

  it("request-to-book: one pending request holds the slot while two approvals and a crowd race", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const crowd = await sqlDrivers(t, 20, "crowd");
    const first = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        crowd[i % crowd.length]!.post("/api/v1/bookings", { spaceId, ...overlapping(base, i) }),
      ),
    );
    const pending = first.filter((a) => a.status === 201);
    expect(pending).toHaveLength(1);
    expect(first.filter((a) => a.status === 409 && a.body.error.code === "slot_unavailable")).toHaveLength(
      199,
    );
    const bookingId = pending[0]!.body.id as string;
    expect(pending[0]!.body.status).toBe("pending_approval");

    // Two approvals (a double click from two devices) race 200 more requests for the same time.
    const approvals = [0, 1].map(() => host.client.put(`/api/v1/bookings/${bookingId}/approve`));
    const requests = Array.from({ length: 200 }, (_, i) =>
      crowd[i % crowd.length]!.post("/api/v1/bookings", { spaceId, ...overlapping(base, i + 3) }),
    );
    const [decided, crowdAnswers] = await Promise.all([Promise.all(approvals), Promise.all(requests)]);
    expect(decided.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(decided.find((a) => a.status === 200)!.body.status).toBe("confirmed");
    expect(decided.find((a) => a.status === 409)!.body.error.code).toBe("invalid_transition");
    expect(crowdAnswers.every((a) => a.status === 409 && a.body.error.code === "slot_unavailable")).toBe(
      true,
    );

    expect(await slotHolders(spaceId)).toEqual([{ id: bookingId, status: "confirmed" }]);
    const ledger = await ledgerOf(t, bookingId);
    expect(ledger.history).toEqual([
      { from: null, to: "pending_approval" },
      { from: "pending_approval", to: "confirmed" },
    ]);
  }, 120_000);
});
