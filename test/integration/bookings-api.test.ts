// REST bookings end to end with the space actor hosted in this process (real Redis + PostgreSQL):
// requests decided as confirmed / pending / taken / refused by the rules, approve, reject, cancel
// and extend, reads with their ownership checks, validation that writes nothing, and the ledger
// (row, status history, outbox, command record) behind every acknowledged answer.
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { SETTINGS_CHECK_MS } from "../../actors/space/space-actor.ts";
import { spaceBookingCommands } from "../../gateway/http/space-booking-commands.ts";
import { createLiveContext, pendingApprovalRequests, readCell } from "../../src/live/index.ts";
import { allWeek, bookingCount, ledgerOf, openSpace, window } from "../support/booking-fixtures.ts";
import { signUpAdmin } from "../support/space-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp({ ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "4" });

const live = createLiveContext(t.config, t.deps.redis, t.deps.pool);

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-space-host", live);
});

describe("POST /bookings", () => {
  it("confirms an instant booking, committed with its history, outbox event and command record", async () => {
    const { spaceId, host } = await openSpace(t);
    const driver = await t.signUp("driver");
    const w = window(1, 2);
    const res = await driver.client.post("/api/v1/bookings", {
      spaceId,
      ...w,
      vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
      specialRequests: "near the lift",
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      spaceId,
      status: "confirmed",
      start: w.start,
      end: w.end,
      totalAmount: 600,
      platformFee: 60,
      hostEarnings: 540,
      currency: "EUR",
    });
    const ledger = await ledgerOf(t, res.body.id);
    expect(ledger.row).toEqual({ status: "confirmed", driverId: driver.userId });
    expect(ledger.history).toEqual([{ from: null, to: "confirmed" }]);
    expect(ledger.outbox).toEqual(["booking.requested"]);
    expect(ledger.commands).toEqual(["requestBooking"]);

    const seen = await driver.client.get(`/api/v1/bookings/${res.body.id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({
      id: res.body.id,
      driverId: driver.userId,
      hostId: host.userId,
      vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
      specialRequests: "near the lift",
      history: [{ from: null, to: "confirmed", changedBy: driver.userId }],
    });
  });

  it("takes a space's id in capitals as the same space: one actor, its answers in lower case", async () => {
    const { spaceId } = await openSpace(t);
    const first = await t.signUp("driver");
    const second = await t.signUp("driver");
    const upper = spaceId.toUpperCase();
    const made = await first.client.post("/api/v1/bookings", { spaceId: upper, ...window(3, 2) });
    expect(made.status).toBe(201);
    expect(made.body.spaceId).toBe(spaceId);
    const taken = await second.client.post("/api/v1/bookings", { spaceId, ...window(4, 1) });
    expect(taken.status).toBe(409);
    const read = await first.client.get(`/api/v1/bookings/${made.body.id.toUpperCase()}`);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(made.body.id);
    const cancelled = await first.client.put(`/api/v1/bookings/${made.body.id.toUpperCase()}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.spaceId).toBe(spaceId);
    // One actor holds the space: its state under the lower-case id only.
    const keys = await t.deps.redis.keys(`*${upper}*`);
    expect(keys).toEqual([]);
  });

  it("answers 409 slot_unavailable for an overlapping window and writes nothing", async () => {
    const { spaceId } = await openSpace(t);
    const first = await t.signUp("driver");
    const second = await t.signUp("driver");
    expect((await first.client.post("/api/v1/bookings", { spaceId, ...window(3, 3) })).status).toBe(201);
    const res = await second.client.post("/api/v1/bookings", { spaceId, ...window(4, 1) });
    expect(res.status).toBe(409);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("slot_unavailable");
    expect(await bookingCount(t, "driver_id = $1", [second.userId])).toBe(0);
  });

  it("refuses windows the space's rules do not allow with distinct 422 codes", async () => {
    const { spaceId } = await openSpace(t, {
      schedule: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "06:00", end: "22:00" })),
      maxDurationMinutes: 240,
    });
    const driver = await t.signUp("driver");
    const day = new Date(Date.parse(window(0).start) + 86_400_000).toISOString().slice(0, 10);
    const at = (time: string) => `${day}T${time}Z`;
    const soon = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 5 * 60_000);
    const cases: [string, Record<string, string>][] = [
      ["outside_schedule", { start: at("21:00:00"), end: at("23:00:00") }],
      ["too_short", { start: at("10:00:00"), end: at("10:10:00") }],
      ["too_long", { start: at("07:00:00"), end: at("12:00:00") }],
      ["invalid_window", { start: at("10:00:30"), end: at("11:00:00") }],
      ["invalid_window", { start: at("11:00:00"), end: at("10:00:00") }],
      ["too_soon", { start: soon.toISOString(), end: new Date(soon.getTime() + 3_600_000).toISOString() }],
    ];
    for (const [code, w] of cases) {
      const res = await driver.client.post("/api/v1/bookings", { spaceId, ...w });
      expect({ code, status: res.status }).toEqual({ code, status: 422 });
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe(code);
    }
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(0);
  });

  it("answers 404 for an unknown space, 401 without a token, 400 for a malformed body (nothing written)", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const unknown = await driver.client.post("/api/v1/bookings", {
      spaceId: "00000000-0000-4000-8000-000000000000",
      ...window(1),
    });
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body);

    const anonymous = await t.client().post("/api/v1/bookings", { spaceId, ...window(1) });
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.body);

    const bad: unknown[] = [
      {},
      { spaceId, start: window(1).start },
      { spaceId: "not-a-uuid", ...window(1) },
      { spaceId, start: "tomorrow", end: window(1).end },
      { spaceId, start: "2030-06-01T09:00:00", end: "2030-06-01T10:00:00" },
      { spaceId, ...window(1), extra: true },
      { spaceId, ...window(1), vehicle: { make: "Seat" } },
      { spaceId, ...window(1), specialRequests: "x".repeat(1001) },
      { spaceId, start: "2300-01-01T00:00:00Z", end: "2300-01-01T01:00:00Z" },
    ];
    for (const body of bad) {
      const res = await driver.client.post("/api/v1/bookings", body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expectErrorShape(res.body);
    }
    const raw = await driver.client.call("POST", "/api/v1/bookings", {
      raw: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(raw.status).toBe(400);
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(0);
  });

  it("maps a retry under the same Idempotency-Key to the same booking", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const body = { spaceId, ...window(6) };
    const headers = { "idempotency-key": "book-once" };
    const first = await driver.client.post("/api/v1/bookings", body, headers);
    const again = await driver.client.post("/api/v1/bookings", body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(1);
  });
});

describe("request-to-book, approve, reject, cancel, extend", () => {
  it("holds a pending request, lets only the host approve it, and refuses a second decision", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const other = await t.signUp("driver");
    const res = await driver.client.post("/api/v1/bookings", { spaceId, ...window(2) });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("pending_approval");
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(res.body.expiresAt)).toBeLessThanOrEqual(Date.parse(res.body.start));

    // The pending request holds the slot.
    const taken = await other.client.post("/api/v1/bookings", { spaceId, ...window(2) });
    expect(taken.status).toBe(409);

    for (const who of [driver, other]) {
      const refused = await who.client.put(`/api/v1/bookings/${res.body.id}/approve`);
      expect(refused.status).toBe(403);
      expectErrorShape(refused.body);
    }
    const approved = await host.client.put(`/api/v1/bookings/${res.body.id}/approve`, { reason: "welcome" });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id: res.body.id, status: "confirmed" });
    expect(approved.body.expiresAt).toBeUndefined();

    const late = await host.client.put(`/api/v1/bookings/${res.body.id}/reject`);
    expect(late.status).toBe(409);
    expectErrorShape(late.body);
    expect(late.body.error.code).toBe("invalid_transition");

    const ledger = await ledgerOf(t, res.body.id);
    expect(ledger.history).toEqual([
      { from: null, to: "pending_approval" },
      { from: "pending_approval", to: "confirmed" },
    ]);
    expect(ledger.outbox).toEqual(["booking.requested", "booking.confirmed"]);
  });

  it("reopens the slot when the host rejects or a party cancels", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const stranger = await t.signUp("driver");
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...window(2) });
    const rejected = await host.client.put(`/api/v1/bookings/${first.body.id}/reject`, { reason: "closed" });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe("rejected");

    const second = await driver.client.post("/api/v1/bookings", { spaceId, ...window(2) });
    expect(second.status).toBe(201);
    const strangerCancel = await stranger.client.put(`/api/v1/bookings/${second.body.id}/cancel`);
    expect(strangerCancel.status).toBe(403);
    const cancelled = await driver.client.put(`/api/v1/bookings/${second.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");

    const third = await stranger.client.post("/api/v1/bookings", { spaceId, ...window(2) });
    expect(third.status).toBe(201);
    const hostCancel = await host.client.put(`/api/v1/bookings/${third.body.id}/cancel`, {});
    expect(hostCancel.status).toBe(200);
    expect(hostCancel.body.status).toBe("cancelled");

    const badReason = await driver.client.put(`/api/v1/bookings/${second.body.id}/cancel`, { reason: 5 });
    expect(badReason.status).toBe(400);
    expectErrorShape(badReason.body);
  });

  it("extends a confirmed booking for its driver only, into free open time only", async () => {
    const { spaceId, host } = await openSpace(t);
    const driver = await t.signUp("driver");
    const other = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(10, 2) });
    expect(booked.status).toBe(201);
    expect((await other.client.post("/api/v1/bookings", { spaceId, ...window(14, 2) })).status).toBe(201);

    const byHost = await host.client.put(`/api/v1/bookings/${booked.body.id}/extend`, {
      end: window(13, 0).end,
    });
    expect(byHost.status).toBe(403);
    const into = await driver.client.put(`/api/v1/bookings/${booked.body.id}/extend`, {
      end: window(15, 0).end,
    });
    expect(into.status).toBe(409);
    expect(into.body.error.code).toBe("slot_unavailable");
    const bad = await driver.client.put(`/api/v1/bookings/${booked.body.id}/extend`, { end: "later" });
    expect(bad.status).toBe(400);

    const extended = await driver.client.put(`/api/v1/bookings/${booked.body.id}/extend`, {
      end: window(14, 0).end,
    });
    expect(extended.status).toBe(200);
    expect(extended.body).toMatchObject({ end: window(14, 0).end, totalAmount: 1200, status: "confirmed" });
    const ledger = await ledgerOf(t, booked.body.id);
    expect(ledger.outbox).toEqual(["booking.requested", "booking.extended"]);
  });

  it("answers 404 for an unknown booking and 400 for a malformed id", async () => {
    const driver = await t.signUp("driver");
    const missing = await driver.client.put("/api/v1/bookings/00000000-0000-4000-8000-000000000000/cancel");
    expect(missing.status).toBe(404);
    expectErrorShape(missing.body);
    const malformed = await driver.client.get("/api/v1/bookings/not-a-uuid");
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body);
  });
});

describe("reads and who may see them", () => {
  it("shows a booking to its driver, the space's host and admins only; lists by driver and by space", async () => {
    const { spaceId, host } = await openSpace(t);
    const driver = await t.signUp("driver");
    const stranger = await t.signUp("driver");
    const admin = await signUpAdmin(t);
    const ids: string[] = [];
    for (const hour of [1, 4, 7]) {
      const res = await driver.client.post("/api/v1/bookings", { spaceId, ...window(hour, 2) });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }

    for (const who of [driver, host, admin]) {
      expect((await who.client.get(`/api/v1/bookings/${ids[0]}`)).status).toBe(200);
    }
    const hidden = await stranger.client.get(`/api/v1/bookings/${ids[0]}`);
    expect(hidden.status).toBe(403);
    expectErrorShape(hidden.body);

    // Mine, newest first, two pages.
    const page1 = await driver.client.get("/api/v1/bookings?limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.bookings.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    const page2 = await driver.client.get(`/api/v1/bookings?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.bookings.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();
    expect((await stranger.client.get("/api/v1/bookings")).body.bookings).toEqual([]);

    // By user: self or admin.
    expect((await driver.client.get(`/api/v1/users/${driver.userId}/bookings`)).body.bookings).toHaveLength(
      3,
    );
    expect((await admin.client.get(`/api/v1/users/${driver.userId}/bookings`)).body.bookings).toHaveLength(3);
    expect((await stranger.client.get(`/api/v1/users/${driver.userId}/bookings`)).status).toBe(403);

    // By space: its host or admin.
    const forSpace = await host.client.get(`/api/v1/spaces/${spaceId}/bookings?status=confirmed`);
    expect(forSpace.status).toBe(200);
    expect(forSpace.body.bookings).toHaveLength(3);
    expect((await admin.client.get(`/api/v1/spaces/${spaceId}/bookings`)).status).toBe(200);
    expect((await driver.client.get(`/api/v1/spaces/${spaceId}/bookings`)).status).toBe(403);

    for (const path of [
      "/api/v1/bookings?limit=0",
      "/api/v1/bookings?cursor=nope",
      "/api/v1/bookings?status=bogus",
      "/api/v1/bookings?unknown=1",
    ]) {
      const res = await driver.client.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expectErrorShape(res.body);
    }
    expect((await t.client().get("/api/v1/bookings")).status).toBe(401);
  });
});

describe("a space's hours change under its actor", () => {
  const dayHours = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "06:00", end: "22:00" }));
  // Both on one day a few days ahead, so the test does not depend on the hour it runs at.
  const onDay = (from: string, to: string) => {
    const day = new Date(Date.parse(window(0).start) + 86_400_000).toISOString().slice(0, 10);
    return { start: `${day}T${from}:00Z`, end: `${day}T${to}:00Z` };
  };
  const lateEvening = () => onDay("22:00", "23:00");
  const midday = () => onDay("10:00", "12:00");

  it("takes bookings in hours opened after it was activated", async () => {
    const { spaceId, host } = await openSpace(t, { schedule: dayHours });
    const driver = await t.signUp("driver");
    const refused = await driver.client.post("/api/v1/bookings", { spaceId, ...lateEvening() });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("outside_schedule");
    const changed = await host.client.post(`/api/v1/spaces/${spaceId}/availability`, { schedule: allWeek });
    expect(changed.status).toBe(200);
    await sleep(SETTINGS_CHECK_MS + 100);
    const taken = await driver.client.post("/api/v1/bookings", { spaceId, ...lateEvening() });
    expect(taken.status).toBe(201);
  });

  it("never commits a booking in hours closed after it was activated", async () => {
    const { spaceId, host } = await openSpace(t);
    const driver = await t.signUp("driver");
    // Inside the hours that stay open, whatever the hour now: the change must not be refused over it.
    expect((await driver.client.post("/api/v1/bookings", { spaceId, ...midday() })).status).toBe(201);
    const changed = await host.client.post(`/api/v1/spaces/${spaceId}/availability`, { schedule: dayHours });
    expect(changed.status).toBe(200);
    // At once: the actor may still hold the old hours, but the commit checks the space's version.
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...lateEvening() });
    expect(first.status).not.toBe(201);
    expectErrorShape(first.body);
    const second = await driver.client.post("/api/v1/bookings", { spaceId, ...lateEvening() });
    expect(second.status).toBe(422);
    expect(second.body.error.code).toBe("outside_schedule");
    expect(await bookingCount(t, "space_id = $1", [spaceId])).toBe(1);
  });
});

describe("live publishing after a commit", () => {
  it("puts a request in front of its host until decided, and shows the space's next booking on the map", async () => {
    const { spaceId, host, space } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const w = window(1, 2);
    const requested = await driver.client.post("/api/v1/bookings", { spaceId, ...w });
    expect(requested.status).toBe(201);
    const prompts = async () =>
      (await pendingApprovalRequests(t.deps.redis, host.userId)).map((m) => JSON.parse(m).bookingId);
    // Published after the commit: the answer may arrive a moment before.
    for (let i = 0; i < 50 && (await prompts()).length === 0; i++) await sleep(20);
    expect(await prompts()).toEqual([requested.body.id]);

    const cell = await readCell(live, space.cells.map);
    expect(cell.kind).toBe("snapshot");
    const shown = (cell.kind === "snapshot" ? cell.spaces : []).map((s) => JSON.parse(s));
    expect(shown.find((s) => s.id === spaceId)).toMatchObject({ state: "available", freeUntil: w.start });

    expect((await host.client.put(`/api/v1/bookings/${requested.body.id}/approve`)).status).toBe(200);
    for (let i = 0; i < 50 && (await prompts()).length > 0; i++) await sleep(20);
    expect(await prompts()).toEqual([]);
  });
});

describe("the live host channel's approve / reject", () => {
  it("decides through the space's actor with the same ownership checks as REST", async () => {
    const commands = spaceBookingCommands(t.deps.pool, t.deps.spaceCommands);
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1) });
    const second = await driver.client.post("/api/v1/bookings", { spaceId, ...window(4) });
    await expect(commands.approve({ hostId: driver.userId, bookingId: first.body.id })).rejects.toMatchObject(
      {
        status: 403,
      },
    );
    await expect(commands.approve({ hostId: host.userId, bookingId: first.body.id })).resolves.toEqual({
      bookingId: first.body.id,
      status: "confirmed",
    });
    await expect(
      commands.reject({ hostId: host.userId, bookingId: second.body.id, reason: "full" }),
    ).resolves.toEqual({ bookingId: second.body.id, status: "rejected" });
    await expect(
      commands.approve({ hostId: host.userId, bookingId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
