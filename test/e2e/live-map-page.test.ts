// The live map page in a real browser (Debian's chromium, headless, through playwright-core) against
// a gateway process and a shard worker running the space actor: it loads from the gateway, draws the
// viewport's spaces, and bookings made through the REST API (a booking, a host's approval and
// rejection of requests) change the map within a second: a held marker turns occupied or available.
// Saves a screenshot under test-output/.
import { mkdirSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumBinary } from "../../devstack/system-packages.ts";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import { futureWindow, insertDriver, requestBooking, seedPendingStay } from "../support/live-bookings.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testConfig } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

const colours = { available: "#2e9d4f", held: "#e3a21a", occupied: "#d64545" };
const actorEnv = { ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "2", ACTOR_REPLY_TIMEOUT_MS: "20000" };
const config = testConfig(actorEnv);
const pool = createPool(config.DATABASE_URL, 2);
const tokens = new AccessTokens(config.JWT_SECRET, 600);
let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const executablePath = chromiumBinary();
  const [started, worker] = await Promise.all([
    startGateways(1, actorEnv),
    spawnWorker("map-page-worker", { ...actorEnv, LOG_LEVEL: "warn", NODE_ENV: "test" }, SHARD_WORKER_ENTRY),
  ]);
  gateway = started[0]!;
  await waitFor(
    () => worker.health(),
    (s) => s.ownedShards.length === 2,
    30_000,
    "the worker owning every shard",
  );
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.process.stop("SIGTERM", 5000);
  await pool.end();
});

const colourOf = (page: Page, id: string) =>
  page.evaluate((spaceId) => (globalThis as any).parkealoMap.colourOf(spaceId), id);

/** Waits (at most a second) until the marker of `id` has `colour`; returns how long it took. */
async function colourWithinASecond(page: Page, id: string, colour: string, since: number) {
  await page.waitForFunction(
    ([spaceId, wanted]) => (globalThis as any).parkealoMap.colourOf(spaceId) === wanted,
    [id, colour] as const,
    { timeout: 1000, polling: 20 },
  );
  return Date.now() - since;
}

async function decide(action: "approve" | "reject", hostToken: string, bookingId: string) {
  const response = await fetch(`${gateway.url}/api/v1/bookings/${bookingId}/${action}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${hostToken}` },
  });
  return { status: response.status, body: await response.json() };
}

it("shows spaces coloured by state and changes them within a second of bookings made through REST", async () => {
  const hostId = await insertHost(pool);
  const hostToken = await tokens.sign({ userId: hostId, roles: ["host"] });
  const { points } = pointsInCell(randomPoint(), 3, config.H3_MAP_RESOLUTION);
  const instant = await insertSpace(pool, config, hostId, points[0]!);
  const [toApprove, toReject] = [
    await insertSpace(pool, config, hostId, points[1]!, { bookingMode: "request" }),
    await insertSpace(pool, config, hostId, points[2]!, { bookingMode: "request" }),
  ];
  const driver = await insertDriver(pool, tokens);
  const approved = await seedPendingStay(pool, toApprove, driver.id);
  const rejected = await seedPendingStay(pool, toReject, driver.id);

  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${gateway.url}/?lat=${instant.lat}&lng=${instant.lng}&zoom=17`);
  await page.waitForFunction(
    (ids) => ids.every((id) => (globalThis as any).parkealoMap?.stateOf(id) !== undefined),
    [instant.id, toApprove.id, toReject.id],
    { timeout: 10_000 },
  );
  expect(await colourOf(page, instant.id)).toBe(colours.available);
  expect(await colourOf(page, toApprove.id)).toBe(colours.held);
  expect(await colourOf(page, toReject.id)).toBe(colours.held);

  // A booking for later: the space stays free, but only until the booking starts.
  const window = futureWindow(60);
  const booked = await requestBooking(gateway.url, driver, { spaceId: instant.id, ...window });
  expect(booked.status).toBe(201);
  // Within a second of the booking's answer (the REST round trip itself is not the map's latency).
  let started = Date.now();
  await page.waitForFunction(
    ([id, until]) => (globalThis as any).parkealoMap.spaceOf(id)?.freeUntil === until,
    [instant.id, window.start] as const,
    { timeout: 1000, polling: 20 },
  );
  expect(Date.now() - started).toBeLessThan(1000);
  expect(await colourOf(page, instant.id)).toBe(colours.available);

  // The host approves a request whose stay has begun: held turns occupied.
  const approval = await decide("approve", hostToken, approved.bookingId);
  expect(approval).toMatchObject({ status: 200, body: { status: "confirmed" } });
  started = Date.now();
  expect(await colourWithinASecond(page, toApprove.id, colours.occupied, started)).toBeLessThan(1000);

  // And rejects the other: its slot reopens, held turns available.
  const rejection = await decide("reject", hostToken, rejected.bookingId);
  expect(rejection).toMatchObject({ status: 200, body: { status: "rejected" } });
  started = Date.now();
  expect(await colourWithinASecond(page, toReject.id, colours.available, started)).toBeLessThan(1000);

  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: "test-output/live-map.png" });
  expect(errors).toEqual([]);
});
