// `npm start`'s supervisor healing a crash under load: the gateway and 2 shard workers started as
// `npm start` starts them (devstack/stack-processes.ts under devstack/supervisor.ts) against the test
// Redis/PostgreSQL; a booking storm over many spaces on every shard, with Idempotency-Keys, retried
// as a careful client does; one shard worker SIGKILLed mid-storm. The other worker takes its shards,
// the supervisor starts the killed one again and it rejoins; every 201 is in the ledger, no two
// slot-holding bookings overlap, and fewer than 1 % of requests fail.
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorDriverFromConfig } from "../../actors/runtime/from-config.ts";
import { type HostSnapshot, shardOfShardCell } from "../../actors/runtime/index.ts";
import { waitUntil } from "../../devstack/managed-process.ts";
import { freePort } from "../../devstack/stack.ts";
import { type StackProcess, stackProcesses } from "../../devstack/stack-processes.ts";
import { type Supervisor, supervise } from "../../devstack/supervisor.ts";
import { serveSupervisorStatus } from "../../devstack/supervisor-status.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { openSpace } from "../support/booking-fixtures.ts";
import { expectLedgerHolds } from "../support/ledger-checks.ts";
import { actorPrefix } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SHARDS = 6;
const LEASE_TTL_MS = 1000;
const SPACES = 24;
const DRIVERS = 24;
const CONCURRENCY = 16;
const ATTEMPTS = 10;
const HOUR = 3_600_000;

const settings = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: String(SHARDS),
  SHARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
  // A few drivers keep up the storm: the per-driver limits are not what is measured.
  BOOKING_COMMANDS_PER_MINUTE: "100000",
  BOOKING_PENDING_PER_DRIVER: "10000",
};
const t = createTestApp(settings);
const driver = actorDriverFromConfig(t.config, "supervised-storm-test");
afterAll(() => driver.close());

let supervisor: Supervisor;
let statusUrl: string;
let gatewayUrl: string;
let processes: StackProcess[];
const healthUrl = (name: string) =>
  processes.find((p) => p.name === name)!.readyUrl.replace("/readyz", "/healthz");

async function health(name: string): Promise<HostSnapshot | null> {
  try {
    const response = await fetch(healthUrl(name), { signal: AbortSignal.timeout(1000) });
    return response.ok ? ((await response.json()) as HostSnapshot) : null;
  } catch {
    return null; // down, or not up yet
  }
}

beforeAll(async () => {
  const [gateway, gatewayMetrics, worker1, worker2, jobsWorker, status] = await Promise.all(
    Array.from({ length: 6 }, () => freePort()),
  );
  gatewayUrl = `http://127.0.0.1:${gateway}`;
  const logDir = mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "supervised-"));
  processes = stackProcesses({
    root,
    logDir,
    env: {
      ...process.env,
      ...settings,
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      HTTP_HOST: "127.0.0.1",
      PUBLIC_URL: gatewayUrl,
      OBJECT_STORAGE_DIR: join(logDir, "objects"),
    },
    ports: {
      gateway: gateway!,
      gatewayMetrics: gatewayMetrics!,
      shardWorkers: [worker1!, worker2!],
      jobsWorker: jobsWorker!,
    },
  }).filter((p) => p.name !== "jobs-worker");
  supervisor = supervise(processes, { log: (line) => console.log(line) });
  const server = await serveSupervisorStatus(supervisor, { host: "127.0.0.1", port: status! });
  statusUrl = `http://127.0.0.1:${server.port}/healthz`;
  afterAll(async () => {
    await supervisor.stop("SIGTERM", 5000);
    await server.close();
  });
  await Promise.all(
    processes.map((p) =>
      waitUntil(p.name, async () => (await fetch(p.readyUrl)).ok, 90_000, supervisor.current(p.name)!.exited),
    ),
  );
  await waitFor(
    () => Promise.all([health("shard-worker-1"), health("shard-worker-2")]),
    (snapshots) => snapshots.every((s) => s?.ownedShards.length === SHARDS / 2),
    20_000,
    "an even spread of shards",
  );
}, 120_000);

/** Spaces spread over Spain, so that they land on many H3 shard cells and so on both workers. */
async function spreadSpaces(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 6) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(6, count - i) }, (_, j) => {
        const n = i + j;
        return openSpace(t, { location: { lat: 37 + (n % 6), lng: -7 + Math.floor(n / 6) * 1.7 } });
      }),
    );
    ids.push(...batch.map((s) => s.spaceId));
  }
  return ids;
}

/** Bearer tokens of drivers made straight in SQL (signing up through the API hashes passwords). */
async function driverTokens(count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await t.deps.pool.query(
    `insert into users (id, email, password_hash, first_name, last_name)
     select id, 'storm-' || id || '@test.parkealo.live', 'x', 'Storm', 'Driver' from unnest($1::uuid[]) id`,
    [ids],
  );
  await t.deps.pool.query(
    `insert into user_roles (user_id, role) select id, 'driver' from unnest($1::uuid[]) id`,
    [ids],
  );
  return Promise.all(ids.map((userId) => t.deps.accessTokens.sign({ userId, roles: ["driver"] })));
}

/**
 * A careful client's booking: one Idempotency-Key for all its tries; 409 idempotency_in_flight, any
 * 503 and a dropped connection are tried again after a growing pause. Settled = 201, 409 or 422.
 */
async function book(token: string, body: unknown) {
  const key = randomUUID();
  let retries = 0;
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let answer: any = null;
    try {
      const response = await fetch(`${gatewayUrl}/api/v1/bookings`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": key,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      answer = await response.json().catch(() => null);
    } catch {
      status = 0;
    }
    const retryable =
      status === 0 || status === 503 || (status === 409 && answer?.error?.code === "idempotency_in_flight");
    if (!retryable || attempt === ATTEMPTS) return { status, answer, retries };
    retries += 1;
    await sleep(Math.min(200 * attempt, 2000));
  }
}

function bookingStorm(spaceIds: string[], tokens: string[]) {
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 72 * HOUR;
  const acknowledged: { id: string; spaceId: string }[] = [];
  const failed: { status: number; answer: unknown }[] = [];
  const statuses = new Map<string, number>();
  let requests = 0;
  let retries = 0;
  let running = true;
  const lane = async (n: number) => {
    for (let sent = 0; running; sent++) {
      const token = tokens[(n + sent * CONCURRENCY) % tokens.length]!;
      const spaceId = spaceIds[Math.floor(Math.random() * spaceIds.length)]!;
      // 1–3 h on whole hours within one day, days ahead: requests for one space often overlap.
      const start = base + Math.floor(Math.random() * 24) * HOUR;
      const end = start + (1 + Math.floor(Math.random() * 3)) * HOUR;
      requests += 1;
      const result = await book(token, {
        spaceId,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
      });
      retries += result.retries;
      const label = `${result.status} ${result.answer?.error?.code ?? ""}`.trim();
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      if (result.status === 201) acknowledged.push({ id: result.answer.id, spaceId });
      else if (result.status !== 409 && result.status !== 422) failed.push(result);
    }
  };
  const lanes = Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => lane(n)));
  return {
    acknowledged,
    failed,
    statuses,
    sent: () => requests,
    async stop() {
      running = false;
      await lanes;
      return { requests, retries };
    },
  };
}

/** The spaces among `spaceIds` whose shard is one of `shards`. */
async function spacesOn(spaceIds: string[], shards: number[]): Promise<string[]> {
  const { rows } = await t.deps.pool.query<{ id: string; shardCell: string }>(
    `select id, h3_shard_cell as "shardCell" from parking_spaces where id = any($1::uuid[])`,
    [spaceIds],
  );
  return rows.filter((r) => shards.includes(shardOfShardCell(r.shardCell, SHARDS))).map((r) => r.id);
}

describe("npm start's supervisor under a booking storm", () => {
  it("SIGKILL a shard worker mid-storm: taken over, restarted, rejoined; no lost 201, no overlap, < 1 % failed", async () => {
    const spaceIds = await spreadSpaces(SPACES);
    const tokens = await driverTokens(DRIVERS);
    const victimBefore = (await health("shard-worker-1"))!;
    const victimShards = victimBefore.ownedShards.map((o) => o.shard);
    expect((await spacesOn(spaceIds, victimShards)).length).toBeGreaterThan(0);
    const victimPid = supervisor.current("shard-worker-1")!.child.pid!;

    const storm = bookingStorm(spaceIds, tokens);
    await waitFor(
      () => storm.acknowledged.length,
      (n) => n >= 20,
      30_000,
      "bookings flowing",
    );

    const killedAt = Date.now();
    process.kill(victimPid, "SIGKILL");

    // The other worker takes the killed one's shards.
    const survivor = (await health("shard-worker-2"))!;
    await waitFor(
      () => Promise.all(victimShards.map((s) => driver.currentLease(s))),
      (leases) => leases.every((l) => l?.owner === survivor.incarnation),
      10_000,
      "the other worker to take the killed one's shards",
    );
    const takeoverMs = Date.now() - killedAt;

    // The supervisor starts it again: a new process that answers /readyz, then takes its share back.
    await waitFor(
      () => supervisor.status().find((p) => p.name === "shard-worker-1")!,
      (p) => p.restarts === 1 && p.state === "running",
      30_000,
      "the supervisor to start shard-worker-1 again",
    );
    const restarted = supervisor.current("shard-worker-1")!;
    expect(restarted.child.pid).not.toBe(victimPid);
    await waitUntil(
      "shard-worker-1 again",
      async () => (await fetch(processes[1]!.readyUrl)).ok,
      60_000,
      restarted.exited,
    );
    const restartMs = Date.now() - killedAt;
    const [rejoined] = await waitFor(
      () => Promise.all([health("shard-worker-1"), health("shard-worker-2")]),
      (snapshots) => snapshots.every((s) => s?.ownedShards.length === SHARDS / 2),
      30_000,
      "the restarted worker to rejoin",
    );
    const rejoinMs = Date.now() - killedAt;
    expect(rejoined!.incarnation).not.toBe(victimBefore.incarnation);

    // Bookings go on through the rejoined worker too, then the storm ends.
    const ackedAtRejoin = storm.acknowledged.length;
    await waitFor(
      () => storm.acknowledged.length,
      (n) => n >= ackedAtRejoin + 10,
      30_000,
      "bookings after the rejoin",
    );
    const { requests, retries } = await storm.stop();

    // The supervisor's own /healthz counts the restart.
    const status = (await (await fetch(statusUrl)).json()) as any;
    expect(status.status).toBe("ok");
    expect(status.restarts).toBe(1);
    expect(status.processes.find((p: any) => p.name === "shard-worker-1")).toMatchObject({
      restarts: 1,
      state: "running",
      pid: restarted.child.pid,
      lastExit: { code: null, signal: "SIGKILL" },
    });
    expect(status.processes.find((p: any) => p.name === "gateway").restarts).toBe(0);

    console.log(
      `[storm] requests ${requests}, acknowledged ${storm.acknowledged.length}, failed ${storm.failed.length}, ` +
        `retries ${retries}; answers ${JSON.stringify(Object.fromEntries(storm.statuses))}; after the kill: ` +
        `shards taken over in ${takeoverMs} ms, worker restarted (ready) in ${restartMs} ms, rejoined in ${rejoinMs} ms`,
    );

    // The storm was real and contended; fewer than 1 % of requests failed after the client's retries.
    expect(requests).toBeGreaterThan(200);
    expect(storm.acknowledged.length).toBeGreaterThan(50);
    expect(storm.statuses.get("409 slot_unavailable") ?? 0).toBeGreaterThan(0);
    expect(storm.failed.length / requests).toBeLessThan(0.01);

    // No two slot-holding bookings of one space overlap; every acknowledged one is in the ledger.
    await expectLedgerHolds(t.deps.pool, spaceIds, storm.acknowledged);
  }, 180_000);
});
