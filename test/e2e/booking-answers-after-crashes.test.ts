// An answer is never lost to a crash on either side of a booking command: a gateway SIGKILLed while
// it waited for the actor (the command queued, nobody left to answer) and a shard worker SIGKILLed
// between the ledger commit and its reply. A retry under the same Idempotency-Key, through another
// gateway, gets the real outcome — the booking that was committed, on the space asked for — and the
// ledger holds exactly one booking for it.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { actorDriverFromConfig } from "../../actors/runtime/from-config.ts";
import { freePort } from "../../devstack/stack.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { bookingCount, CRASH_MARK, openSpace, window } from "../support/booking-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

const LEASE_TTL_MS = 1000;
const settings = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "1",
  SHARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
};
const t = createTestApp({ ...settings, ACTOR_REPLY_TIMEOUT_MS: "8000" });
const actors = actorDriverFromConfig(t.config, "crash-answers-test");
afterAll(() => actors.close());
const CRASHING_ENTRY = fileURLToPath(new URL("../support/crash-after-commit-worker.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

let env: Record<string, string> = {};
beforeAll(() => {
  env = {
    ...settings,
    DATABASE_URL: t.config.DATABASE_URL,
    REDIS_URL: t.config.REDIS_URL,
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
  };
});

/** A gateway process (the real entry) on a port of its own. */
async function spawnGateway(): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "workers/gateway.ts"], {
    cwd: root,
    env: { ...process.env, ...env, HTTP_PORT: String(port), HTTP_HOST: "127.0.0.1" },
    stdio: "ignore",
  });
  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  await waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.status)
        .catch(() => 0),
    (status) => status === 200,
    30_000,
    "the gateway process to be ready",
  );
  return { port, child };
}

it("a gateway SIGKILLed while waiting: a retry through another gateway gets the committed booking", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const worker = await spawnWorker("answers-worker-1", env, SHARD_WORKER_ENTRY);
  const gateway = await spawnGateway();
  const body = { spaceId, ...window(4) };
  const key = "gateway-died-waiting";

  // The worker is frozen, so the command waits in the mailbox while the gateway waits for it.
  worker.signal("SIGSTOP");
  const lost = fetch(`http://127.0.0.1:${gateway.port}/api/v1/bookings`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${driver.session.accessToken}`,
      "idempotency-key": key,
    },
    body: JSON.stringify(body),
  }).then(
    (r) => r.status,
    () => "connection lost",
  );
  await waitFor(
    () => t.deps.redis.xlen(`${settings.ACTOR_KEY_PREFIX}:{shard:0}:mailbox`),
    (n) => n >= 1,
    10_000,
    "the command to be queued",
  );
  gateway.child.kill("SIGKILL");
  expect(await lost).toBe("connection lost");
  worker.signal("SIGCONT");

  const started = Date.now();
  const retry = await driver.client.post("/api/v1/bookings", body, { "idempotency-key": key });
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ spaceId, status: "confirmed", start: body.start, end: body.end });
  expect(Date.now() - started).toBeLessThan(8000);
  expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(1);
  worker.signal("SIGKILL");
}, 60_000);

it("a shard worker SIGKILLed between the ledger commit and its reply: the retry gets the committed answer", async () => {
  const { spaceId } = await openSpace(t);
  const driver = await t.signUp("driver");
  const crashing = await spawnWorker("answers-crashing-worker", env, CRASHING_ENTRY);
  await waitFor(
    () => crashing.health(),
    (s) => s.ownedShards.length === 1,
    20_000,
    "the crashing worker to own the shard",
  );
  const body = { spaceId, ...window(6), specialRequests: CRASH_MARK };
  const headers = { "idempotency-key": "worker-died-after-commit" };

  // No answer comes: the worker died after the ledger commit, before storing or sending the reply.
  const first = await driver.client.post("/api/v1/bookings", body, headers);
  expect(first.status).toBe(409);
  expect(first.body.error.code).toBe("idempotency_in_flight");
  expect(crashing.child.signalCode).toBe("SIGKILL");
  const { rows } = await t.deps.pool.query(`select id, status from bookings where driver_id = $1`, [
    driver.userId,
  ]);
  expect(rows).toHaveLength(1);

  // The next owner takes the command over, finds it in the ledger and answers what was committed.
  await spawnWorker("answers-worker-2", env, SHARD_WORKER_ENTRY);
  const retry = await driver.client.post("/api/v1/bookings", body, headers);
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ id: rows[0].id, spaceId, status: "confirmed" });
  expect(await bookingCount(t, "driver_id = $1", [driver.userId])).toBe(1);
  await waitFor(
    () => actors.pendingCount(0),
    (n) => n === 0,
    10_000,
    "nothing left pending",
  );
  // Another request under the key is still refused.
  const other = await driver.client.post("/api/v1/bookings", { ...body, ...window(9) }, headers);
  expect(other.status).toBe(422);
  await sleep(0);
}, 60_000);
