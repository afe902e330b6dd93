// Idempotency-Key on booking commands, kept by the space actor with its decision (no store of the
// gateway's own): a retry gets the first answer byte for byte (from Redis, or from the ledger once
// the stored reply is gone), another request under the key is 422 and writes nothing — on another
// space, on another booking, before and after the stored reply is gone; a key with no worker to
// decide it is 409 in flight with Retry-After; every 201 names the space asked for; a commit the
// ledger refuses for its data is answered and the space goes on deciding.
import { expect, it } from "vitest";
import { bookingCount, openSpace, window } from "../support/booking-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const prefix = actorPrefix();
const t = createTestApp({
  ACTOR_KEY_PREFIX: prefix,
  ACTOR_SHARD_COUNT: "4",
  ACTOR_REPLY_TIMEOUT_MS: "400",
});

/** Drops every stored reply of this file's actors, as their retention running out would. */
async function forgetStoredReplies(): Promise<number> {
  const keys = await t.deps.redis.keys(`${prefix}:*:result:*`);
  if (keys.length > 0) await t.deps.redis.del(...keys);
  return keys.length;
}

it("a key with nobody to decide it is 409 in flight with Retry-After; once decided, the retry gets the one booking", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const body = { spaceId, ...window(5) };
  const headers = { "idempotency-key": "slow-network-retry" };

  const first = await driver.client.post("/api/v1/bookings", body, headers);
  expect(first.status).toBe(409);
  expectErrorShape(first.body);
  expect(first.body.error.code).toBe("idempotency_in_flight");
  expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  // Without a key nobody can ask again about the same command: 503, as before.
  const keyless = await driver.client.post("/api/v1/bookings", { spaceId, ...window(30) });
  expect(keyless.status).toBe(503);
  expect(keyless.body.error.code).toBe("actor_timeout");

  await startSpaceHost(t.config, t.deps.pool, "idempotency-host");
  const retry = await driver.client.post("/api/v1/bookings", body, headers);
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ spaceId, status: "confirmed" });
  const again = await driver.client.post("/api/v1/bookings", body, headers);
  expect(again.status).toBe(201);
  expect(again.headers.get("idempotent-replayed")).toBe("true");
  expect(again.body).toEqual(retry.body);
  expect(await bookingCount(t, "driver_id = $1 and lower(during) = $2", [driver.userId, body.start])).toBe(1);
});

it("a retry gets the first answer byte for byte, before and after the stored reply is gone", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const body = { spaceId, ...window(7) };
  const headers = { "idempotency-key": "replay-me" };
  const call = () => driver.client.call("POST", "/api/v1/bookings", { json: body, headers });
  const raw = async () => {
    const response = await t.app.request("/api/v1/bookings", {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        authorization: `Bearer ${driver.session.accessToken}`,
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      replayed: response.headers.get("idempotent-replayed"),
      text: await response.text(),
    };
  };
  const first = await raw();
  expect(first.status).toBe(201);
  expect(first.replayed).toBeNull();
  const fromRedis = await raw();
  expect(fromRedis).toEqual({ ...first, replayed: "true" });
  expect(await forgetStoredReplies()).toBeGreaterThan(0);
  const fromLedger = await raw();
  expect(fromLedger).toEqual({ ...first, replayed: "true" });
  // The booking moved on since (cancelled): the replay is still the first answer.
  const id = JSON.parse(first.text).id as string;
  expect((await driver.client.put(`/api/v1/bookings/${id}/cancel`)).status).toBe(200);
  await forgetStoredReplies();
  expect(await raw()).toEqual({ ...first, replayed: "true" });
  expect((await call()).body.status).toBe("confirmed");
});

it("the same key for another space answers 422 and writes nothing, before and after the stored reply is gone", async () => {
  const a = await openSpace(t);
  const b = await openSpace(t);
  const driver = await t.signUp("driver");
  const headers = { "idempotency-key": "one-key-two-spaces" };
  const onA = await driver.client.post("/api/v1/bookings", { spaceId: a.spaceId, ...window(3) }, headers);
  expect(onA.status).toBe(201);
  expect(onA.body.spaceId).toBe(a.spaceId);

  const onB = await driver.client.post("/api/v1/bookings", { spaceId: b.spaceId, ...window(3) }, headers);
  expect(onB.status).toBe(422);
  expectErrorShape(onB.body);
  expect(onB.body.error.code).toBe("idempotency_key_reused");

  await forgetStoredReplies();
  const later = await driver.client.post("/api/v1/bookings", { spaceId: b.spaceId, ...window(3) }, headers);
  expect(later.status).toBe(422);
  expect(later.body.error.code).toBe("idempotency_key_reused");
  // Another window on the same space is another request too.
  const moved = await driver.client.post("/api/v1/bookings", { spaceId: a.spaceId, ...window(9) }, headers);
  expect(moved.status).toBe(422);
  expect(await bookingCount(t, "space_id = $1", [b.spaceId])).toBe(0);
  expect(await bookingCount(t, "space_id = $1", [a.spaceId])).toBe(1);
  // The space that was refused goes on deciding.
  const fresh = await driver.client.post("/api/v1/bookings", { spaceId: b.spaceId, ...window(3) });
  expect(fresh.status).toBe(201);
});

it("the same key for an extension of another booking answers 422, changes nothing, and the space goes on", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const x = await driver.client.post("/api/v1/bookings", { spaceId, ...window(10) });
  const y = await driver.client.post("/api/v1/bookings", { spaceId, ...window(20) });
  expect([x.status, y.status]).toEqual([201, 201]);
  const headers = { "idempotency-key": "extend-once" };
  const extendTo = (booking: { end: string }, hours: number) => ({
    end: new Date(Date.parse(booking.end) + hours * 3_600_000).toISOString(),
  });
  const first = await driver.client.put(`/api/v1/bookings/${x.body.id}/extend`, extendTo(x.body, 1), headers);
  expect(first.status).toBe(200);
  const replay = await driver.client.put(
    `/api/v1/bookings/${x.body.id}/extend`,
    extendTo(x.body, 1),
    headers,
  );
  expect(replay.status).toBe(200);
  expect(replay.headers.get("idempotent-replayed")).toBe("true");
  expect(replay.body).toEqual(first.body);

  for (const forget of [false, true]) {
    if (forget) await forgetStoredReplies();
    const other = await driver.client.put(
      `/api/v1/bookings/${y.body.id}/extend`,
      extendTo(y.body, 1),
      headers,
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    // Another route under the key is another request as well.
    const cancel = await driver.client.put(`/api/v1/bookings/${y.body.id}/cancel`, undefined, headers);
    expect(cancel.status).toBe(422);
  }
  const { rows } = await t.deps.pool.query(
    `select upper(during) as "end", status from bookings where id = $1`,
    [y.body.id],
  );
  expect(rows[0]).toEqual({ end: new Date(y.body.end), status: "confirmed" });
  // Nothing is stuck behind it: the space decides its next command at once.
  const started = Date.now();
  const next = await driver.client.put(`/api/v1/bookings/${y.body.id}/extend`, extendTo(y.body, 2));
  expect(next.status).toBe(200);
  expect(Date.now() - started).toBeLessThan(1000);
});

/**
 * The request's settled answer: a busy machine may answer 409 idempotency_in_flight (no decision
 * within the gateway's wait), and a careful client sends it again with the same key.
 */
async function settled<R extends { status: number; body: { error?: { code?: string } } }>(
  send: () => Promise<R>,
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    const res = await send();
    if (res.status !== 409 || res.body.error?.code !== "idempotency_in_flight" || attempt >= 60) return res;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

it("every 201 names the space that was asked for, with keys reused across spaces at once", async () => {
  const spaces = await Promise.all([1, 2, 3, 4].map(() => openSpace(t)));
  const drivers = await Promise.all([1, 2, 3].map(() => t.signUp("driver")));
  const calls = drivers.flatMap((driver, d) =>
    Array.from({ length: 24 }, (_, i) => {
      const spaceId = spaces[i % spaces.length]!.spaceId;
      // Each key is sent for two spaces by one driver at the same time.
      const key = `storm-${Math.floor(i / 2)}`;
      return settled(() =>
        driver.client.post(
          "/api/v1/bookings",
          { spaceId, ...window(40 + d * 30 + i) },
          { "idempotency-key": key },
        ),
      ).then((res) => ({ res, spaceId }));
    }),
  );
  const answers = await Promise.all(calls);
  const created = answers.filter(({ res }) => res.status === 201);
  expect(created.length).toBeGreaterThan(0);
  for (const { res, spaceId } of created) expect(res.body.spaceId).toBe(spaceId);
  for (const { res } of answers) expect([201, 409, 422]).toContain(res.status);
  // One booking per (driver, key) at most, and every row sits on the space its 201 named.
  const { rows } = await t.deps.pool.query<{ n: number }>(
    `select count(*)::int as n from bookings where driver_id = any($1::uuid[])`,
    [drivers.map((d) => d.userId)],
  );
  expect(rows[0]!.n).toBe(created.length);
  expect(created.length).toBeLessThanOrEqual(drivers.length * 12);
});

it("a commit the ledger refuses for its data is answered 422 ledger_refused; the space decides its next command within 1 s", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  await t.deps.pool.query(
    `alter table bookings add constraint test_refuses_poison check (special_requests is distinct from 'poison pill')`,
  );
  try {
    const refused = await driver.client.post("/api/v1/bookings", {
      spaceId,
      ...window(50),
      specialRequests: "poison pill",
    });
    expect(refused.status).toBe(422);
    expectErrorShape(refused.body);
    expect(refused.body.error.code).toBe("ledger_refused");
    expect(await bookingCount(t, "space_id = $1", [spaceId])).toBe(0);
    const started = Date.now();
    const next = await driver.client.post("/api/v1/bookings", { spaceId, ...window(50) });
    expect(next.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(1000);
  } finally {
    await t.deps.pool.query(`alter table bookings drop constraint test_refuses_poison`);
  }
});
