// A booking whose answer did not come in time (no shard worker yet): 503 actor_timeout, and a retry
// under the same Idempotency-Key once a worker runs reaches the same actor command, so the driver
// gets the one booking the first attempt made, never two.
import { expect, it } from "vitest";
import { bookingCount, openSpace, window } from "../support/booking-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "2",
  ACTOR_REPLY_TIMEOUT_MS: "300",
});

it("answers 503 actor_timeout without a worker; the same key later gets the one booking", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const body = { spaceId, ...window(5) };
  const headers = { "idempotency-key": "slow-network-retry" };

  const first = await driver.client.post("/api/v1/bookings", body, headers);
  expect(first.status).toBe(503);
  expectErrorShape(first.body);
  expect(first.body.error.code).toBe("actor_timeout");
  expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(0);

  await startSpaceHost(t.config, t.deps.pool, "late-space-host");
  const retry = await driver.client.post("/api/v1/bookings", body, headers);
  expect(retry.status).toBe(201);
  expect(retry.body.status).toBe("confirmed");
  expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(1);

  // Without the key, the same window is a new request: the slot is taken.
  const fresh = await driver.client.post("/api/v1/bookings", body);
  expect(fresh.status).toBe(409);
});
