// Limits on booking requests, through the REST API with the space actor in this process (real Redis +
// PostgreSQL): how far ahead a booking may start, requests per account per minute, and requests one
// driver may have waiting for hosts' approval at once (concurrent storms included), with the places
// given back when a request is approved, rejected, cancelled or its deadline passes.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createLiveContext } from "../../src/live/index.ts";
import { bookingAdmissionKeys } from "../../src/storage/booking-admission.ts";
import { bookingCount, openSpace, window } from "../support/booking-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "4",
  BOOKING_HORIZON_DAYS: "30",
  BOOKING_COMMANDS_PER_MINUTE: "30",
  BOOKING_PENDING_PER_DRIVER: "3",
});

// A gateway whose space actors nobody runs (a prefix of its own): its requests stay unanswered.
const unanswered = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "4",
  ACTOR_REPLY_TIMEOUT_MS: "300",
  BOOKING_PENDING_PER_DRIVER: "3",
});

beforeAll(async () => {
  await startSpaceHost(
    t.config,
    t.deps.pool,
    "test-booking-limits",
    createLiveContext(t.config, t.deps.redis, t.deps.pool),
  );
});

const DAY = 86_400_000;

/** A two-hour window starting `days` days (and whole hours) from now. */
function daysAhead(days: number) {
  const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + days * DAY;
  return { start: new Date(start).toISOString(), end: new Date(start + 2 * 3_600_000).toISOString() };
}

/** The places the driver holds among pending requests, as Redis has them. */
async function pendingPlaces(driverId: string): Promise<string[]> {
  return t.deps.redis.zrange(bookingAdmissionKeys(driverId).pending, "0", "-1");
}

describe("booking horizon (BOOKING_HORIZON_DAYS)", () => {
  it("refuses a start beyond the horizon with 422 beyond_horizon and writes nothing; a start inside it books", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const far = await driver.client.post("/api/v1/bookings", { spaceId, ...daysAhead(31) });
    expect(far.status).toBe(422);
    const latestStart: string = far.body.error.details.latestStart;
    expectErrorShape(far.body);
    expect(far.body.error.code).toBe("beyond_horizon");
    expect(Date.parse(latestStart)).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(0);

    const near = await driver.client.post("/api/v1/bookings", { spaceId, ...daysAhead(29) });
    expect(near.status).toBe(201);
  });

  it("search never offers a window beyond the horizon", async () => {
    const location = { lat: 41.38 + Math.random() / 10, lng: 2.17 + Math.random() / 10 };
    const { spaceId } = await openSpace(t, { location });
    const found = async (days: number) => {
      const query = new URLSearchParams({
        lat: String(location.lat),
        lng: String(location.lng),
        radiusM: "100",
        ...daysAhead(days),
      });
      const res = await t.client().get(`/api/v1/search/spaces?${query}`);
      expect(res.status).toBe(200);
      return res.body.results.map((r: { id: string }) => r.id);
    };
    expect(await found(29)).toEqual([spaceId]);
    expect(await found(31)).toEqual([]);
  });
});

describe("requests per account per minute (BOOKING_COMMANDS_PER_MINUTE)", () => {
  it("answers 429 with Retry-After past the limit, for that account only", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const other = await t.signUp("driver");
    // Refused windows still count: the limit is on requests, whatever their answer.
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => driver.client.post("/api/v1/bookings", { spaceId, ...daysAhead(40) })),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(30).fill(422));
    const limited = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1) });
    expect(limited.status).toBe(429);
    expectErrorShape(limited.body);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(0);

    const fine = await other.client.post("/api/v1/bookings", { spaceId, ...window(1) });
    expect(fine.status).toBe(201);
  });
});

describe("pending requests per driver (BOOKING_PENDING_PER_DRIVER)", () => {
  it("refuses a fourth pending request with 409 too_many_pending_requests; instant bookings are not capped", async () => {
    const { spaceId } = await openSpace(t, { bookingMode: "request" });
    const instant = await openSpace(t);
    const driver = await t.signUp("driver");
    for (let i = 0; i < 3; i++) {
      const res = await driver.client.post("/api/v1/bookings", { spaceId, ...window(i * 3) });
      expect(res.status).toBe(201);
      expect(res.body.status).toBe("pending_approval");
    }
    const fourth = await driver.client.post("/api/v1/bookings", { spaceId, ...window(9) });
    expect(fourth.status).toBe(409);
    expectErrorShape(fourth.body);
    expect(fourth.body.error.code).toBe("too_many_pending_requests");
    expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(3);

    const confirmed = await driver.client.post("/api/v1/bookings", {
      spaceId: instant.spaceId,
      ...window(1),
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.status).toBe("confirmed");
  });

  it("a concurrent storm of 20 requests leaves exactly the cap pending; the rest are 409", async () => {
    const spaces = await Promise.all(
      Array.from({ length: 4 }, () => openSpace(t, { bookingMode: "request" })),
    );
    const driver = await t.signUp("driver");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        driver.client.post("/api/v1/bookings", { spaceId: spaces[i % 4]!.spaceId, ...window(i * 3) }),
      ),
    );
    const created = answers.filter((res) => res.status === 201);
    const refused = answers.filter((res) => res.status === 409);
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const res of refused) expect(res.body.error.code).toBe("too_many_pending_requests");
    expect(await bookingCount(t, "driver_id = $1 and status = 'pending_approval'", [driver.userId])).toBe(3);
    await expect.poll(() => pendingPlaces(driver.userId)).toHaveLength(3);
  });

  it("gives a place back when a request is approved, rejected or cancelled", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await driver.client.post("/api/v1/bookings", { spaceId, ...window(i * 3) })).body.id);
    }
    let next = 9;
    const freed = async (change: () => Promise<{ status: number }>) => {
      expect((await change()).status).toBe(200);
      await expect.poll(() => pendingPlaces(driver.userId)).toHaveLength(2);
      const again = await driver.client.post("/api/v1/bookings", { spaceId, ...window(next) });
      next += 3;
      expect(again.status).toBe(201);
      expect(again.body.status).toBe("pending_approval");
      const refused = await driver.client.post("/api/v1/bookings", { spaceId, ...window(next + 30) });
      expect(refused.status).toBe(409);
    };
    await freed(() => host.client.put(`/api/v1/bookings/${ids[0]}/approve`));
    await freed(() => host.client.put(`/api/v1/bookings/${ids[1]}/reject`));
    await freed(() => driver.client.put(`/api/v1/bookings/${ids[2]}/cancel`));
  });

  it("a pending request stops counting once its approval deadline has passed", async () => {
    const { spaceId } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const deadlines: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await driver.client.post("/api/v1/bookings", { spaceId, ...window(i * 3) });
      deadlines.push(Date.parse(res.body.expiresAt));
    }
    const { pending } = bookingAdmissionKeys(driver.userId);
    // The actor holds each place until the request's deadline (not the short reservation).
    await expect
      .poll(async () =>
        (await t.deps.redis.zrange(pending, "0", "-1", "WITHSCORES"))
          .filter((_, i) => i % 2 === 1)
          .map(Number)
          .sort(),
      )
      .toEqual([...deadlines].sort());
    const now = Date.now();
    expect((await t.deps.bookingAdmission.admit(driver.userId, randomUUID(), now)).ok).toBe(false);
    const later = Math.max(...deadlines) + 1;
    expect(await t.deps.bookingAdmission.admit(driver.userId, randomUUID(), later)).toEqual({ ok: true });
  });

  it("a request still unanswered keeps its place (it may yet be decided); a refused one gives it back", async () => {
    const { spaceId } = await openSpace(unanswered, { bookingMode: "request" });
    const driver = await unanswered.signUp("driver");
    const headers = { "idempotency-key": "answer-still-coming" };
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...window(3) }, headers);
    expect(first.status).toBe(409);
    expect(first.body.error.code).toBe("idempotency_in_flight");
    expect(await pendingPlaces(driver.userId)).toHaveLength(1);
    // The retry under the same key is the same request: it takes no second place.
    const retry = await driver.client.post("/api/v1/bookings", { spaceId, ...window(3) }, headers);
    expect(retry.body.error.code).toBe("idempotency_in_flight");
    expect(await pendingPlaces(driver.userId)).toHaveLength(1);

    const { spaceId: decided } = await openSpace(t, { bookingMode: "request" });
    const other = await t.signUp("driver");
    const tooLong = await other.client.post("/api/v1/bookings", {
      spaceId: decided,
      start: window(3).start,
      end: new Date(Date.parse(window(3).start) + 40 * DAY).toISOString(),
    });
    expect(tooLong.status).toBe(422);
    expect(await pendingPlaces(other.userId)).toEqual([]);
  });
});
