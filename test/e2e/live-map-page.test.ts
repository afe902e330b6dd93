// The live map page in a real browser (Debian's chromium, headless, through playwright-core) against
// a gateway process and a shard worker running the space actor: it loads from the gateway, draws the
// viewport's spaces, and bookings made through the REST API (a booking, a host's approval and
// rejection of requests) change the map within a second: a held marker turns occupied or available.
// A demo driver signed in on the page books by clicking a marker: the booking is in PostgreSQL and the
// page draws its delta within a second of the REST answer; a click on a closed space shows the 422.
// The street map under the cells comes from a local tile server the test starts (MAP_TILE_URL): the
// page requests its tiles (with its origin as Referer) and shows them; when the tile server answers
// errors or is down, the page falls back to the blank background with a note, and the cells still work.
// The page runs under the gateway's Content-Security-Policy: no violation may occur.
// Saves screenshots under test-output/.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { recordCspViolations } from "../support/csp-violations.ts";
import type { GatewayProcess } from "../support/gateway-processes.ts";
import { futureWindow, insertDriver, requestBooking, seedPendingStay } from "../support/live-bookings.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import {
  bookingAnswer,
  clickMarker,
  demoDriverId,
  pointsApart,
  signInAsDemoDriver,
  startMapPageStack,
} from "../support/map-page.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testConfig } from "../support/test-app.ts";
import { startTileServer, type TileServer, tileOf } from "../support/tile-server.ts";

const colours = { available: "#2e9d4f", held: "#e3a21a", occupied: "#d64545" };
const actorEnv = { ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "2", ACTOR_REPLY_TIMEOUT_MS: "20000" };
const config = testConfig(actorEnv);
const pool = createPool(config.DATABASE_URL, 2);
const tokens = new AccessTokens(config.JWT_SECRET, 600);
const TILE_ATTRIBUTION = 'Test tiles &copy; <a href="https://tiles.test/copyright">Tile makers</a>';
let gateway: GatewayProcess;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;
let tiles: TileServer;

beforeAll(async () => {
  tiles = await startTileServer();
  const tileEnv = { MAP_TILE_URL: tiles.template, MAP_TILE_ATTRIBUTION: TILE_ATTRIBUTION };
  ({ gateway, browser, stop } = await startMapPageStack("map-page-worker", actorEnv, tileEnv));
}, 300_000);

afterAll(async () => {
  await stop?.();
  await tiles?.stop();
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
  const cspViolations = await recordCspViolations(page);
  const loaded = await page.goto(`${gateway.url}/?lat=${instant.lat}&lng=${instant.lng}&zoom=17`);
  expect(loaded?.headers()["content-security-policy"]).toContain("script-src 'self'");
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
  expect(await cspViolations()).toEqual([]);
});

const statusLine = (page: Page) => page.textContent("#status");

it("books the space a signed-in demo driver clicks and draws the booking's delta within a second", async () => {
  const hostId = await insertHost(pool);
  const [freePoint, closedPoint] = pointsApart(2, config.H3_MAP_RESOLUTION);
  const free = await insertSpace(pool, config, hostId, freePoint!);
  const closed = await insertSpace(pool, config, hostId, closedPoint!);
  await pool.query("delete from space_availability where space_id = $1", [closed.id]); // no hours: closed
  const driverId = await demoDriverId(pool);

  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const cspViolations = await recordCspViolations(page);
  const loaded = await page.goto(`${gateway.url}/?lat=${free.lat}&lng=${free.lng}&zoom=17`);
  expect(loaded?.headers()["content-security-policy"]).toContain("script-src 'self'");
  await page.waitForFunction(
    (ids) => ids.every((id) => (globalThis as any).parkealoMap?.stateOf(id) !== undefined),
    [free.id, closed.id],
    { timeout: 10_000 },
  );
  expect(await colourOf(page, free.id)).toBe(colours.available);
  expect(await page.evaluate((id) => (globalThis as any).parkealoMap.stateOf(id), closed.id)).toBe("closed");

  // Signed out, a click books nothing and says how to sign in.
  await clickMarker(page, free);
  expect(await statusLine(page)).toMatch(/^sign in as a driver to book/);

  await signInAsDemoDriver(page);

  // A closed space: the API's 422 and its message, in the status line; nothing written.
  await clickMarker(page, closed);
  const refused = await bookingAnswer(page, closed.id);
  expect(refused.status).toBe(422);
  expect(refused.body.error).toMatchObject({ code: "outside_schedule" });
  await page.waitForFunction(
    (text) => (globalThis as any).document.getElementById("status")?.textContent === text,
    `not booked (422 outside_schedule): ${refused.body.error.message}`,
    { timeout: 2000 },
  );
  const none = await pool.query("select 1 from bookings where space_id = $1", [closed.id]);
  expect(none.rowCount).toBe(0);

  // The free space: a booking of its next free hour, in the ledger and drawn from the delta.
  await clickMarker(page, free);
  const booked = await bookingAnswer(page, free.id);
  expect(booked.status).toBe(201);
  expect(booked.body).toMatchObject({ spaceId: free.id, status: "confirmed" });
  const start = Date.parse(booked.body.start);
  expect(start % (15 * 60_000)).toBe(0);
  expect(start).toBeGreaterThan(Date.now());
  expect(Date.parse(booked.body.end) - start).toBe(60 * 60_000);
  const { rows } = await pool.query(
    `select space_id as "spaceId", driver_id as "driverId", status, lower(during) as start, upper(during) as end
       from bookings where id = $1`,
    [booked.body.id],
  );
  expect(rows).toEqual([
    {
      spaceId: free.id,
      driverId,
      status: "confirmed",
      start: new Date(start),
      end: new Date(Date.parse(booked.body.end)),
    },
  ]);
  await page.waitForFunction(
    ([id, until]) => Date.parse((globalThis as any).parkealoMap.spaceOf(id)?.freeUntil) === until,
    [free.id, start] as const,
    { timeout: 5000, polling: 20 },
  );
  // Both instants are the page's own clock: the delta drawn within a second of the REST answer.
  const seenAt = await page.evaluate((id) => (globalThis as any).parkealoMap.seenAt(id), free.id);
  expect(seenAt - booked.answeredAt).toBeLessThan(1000);
  expect(await colourOf(page, free.id)).toBe(colours.available);
  // The socket reconnected with the driver's token meanwhile; the outcome stays in the status line.
  await page.waitForFunction(
    () => (globalThis as any).document.getElementById("connection")?.textContent === "live",
    undefined,
    { timeout: 10_000 },
  );
  expect(await statusLine(page)).toMatch(/^booked .*: confirmed$/);
  // Payments are off here: the booking confirmed at once, and the page has no pay form.
  expect(await page.locator("#pay").count()).toBe(0);

  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: "test-output/live-map-booked.png" });
  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
});

/** The map's tile images as the page has them. */
const tileImages = (page: Page) =>
  page.evaluate(() =>
    [...(globalThis as any).document.querySelectorAll("#map img.leaflet-tile")].map((img: any) => ({
      src: img.src as string,
      loaded: img.classList.contains("leaflet-tile-loaded") as boolean,
      complete: img.complete as boolean,
      width: img.naturalWidth as number,
    })),
  );

/** Opens the map on a fresh space at zoom 17 and waits until its marker is drawn. */
async function openMapOnASpace() {
  const hostId = await insertHost(pool);
  const space = await insertSpace(pool, config, hostId, randomPoint());
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const cspViolations = await recordCspViolations(page);
  const loaded = await page.goto(`${gateway.url}/?lat=${space.lat}&lng=${space.lng}&zoom=17`);
  expect(loaded?.headers()["content-security-policy"]).toContain(`img-src 'self' data: ${tiles.origin}`);
  await page.waitForFunction((id) => (globalThis as any).parkealoMap?.stateOf(id) !== undefined, space.id, {
    timeout: 10_000,
  });
  return { page, space, errors, cspViolations };
}

const streetMapStatus = (page: Page) =>
  page.evaluate(() => (globalThis as any).parkealoMap.streetMap.status as string);

it("lays the configured tile server's street map under the cells, with its attribution", async () => {
  tiles.mode = "ok";
  tiles.requests.length = 0;
  const { page, space, errors, cspViolations } = await openMapOnASpace();
  await page.waitForFunction(
    () => {
      const imgs = [...(globalThis as any).document.querySelectorAll("#map img.leaflet-tile")];
      return imgs.length > 0 && imgs.every((img: any) => img.classList.contains("leaflet-tile-loaded"));
    },
    undefined,
    { timeout: 15_000 },
  );
  expect(await streetMapStatus(page)).toBe("shown");

  // The page asked the tile server for the tile under the space, sending only its origin as Referer.
  const centre = tileOf(space.lat, space.lng, 17);
  expect(tiles.requests).toContainEqual({ ...centre, referer: `${gateway.url}/` });
  expect(new Set(tiles.requests.map((r) => r.referer))).toEqual(new Set([`${gateway.url}/`]));
  expect(new Set(tiles.requests.map((r) => r.z))).toEqual(new Set([17]));

  // Its images are in the map, decoded (256 px PNGs), the centre one among them.
  const images = await tileImages(page);
  expect(images.length).toBeGreaterThan(0);
  for (const image of images) {
    expect(image.src.startsWith(`${tiles.origin}/17/`)).toBe(true);
    expect(image).toMatchObject({ loaded: true, complete: true, width: 256 });
  }
  expect(images.map((i) => i.src)).toContain(`${tiles.origin}/17/${centre.x}/${centre.y}.png`);

  // The attribution the settings name is in the map's corner; no fallback note.
  const attribution = page.locator(".leaflet-control-attribution");
  expect(await attribution.textContent()).toContain("Test tiles © Tile makers");
  expect(await attribution.locator("a[href='https://tiles.test/copyright']").count()).toBe(1);
  expect(await page.isVisible("#tile-note")).toBe(false);
  expect(await colourOf(page, space.id)).toBe(colours.available);

  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: "test-output/live-map-tiles.png" });
  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
});

/** With the tile server failing: the blank background and its note; the cells drawn and still live. */
async function expectBlankBackgroundFallback(screenshot: string) {
  const { page, space, errors, cspViolations } = await openMapOnASpace();
  await page.waitForFunction(() => (globalThis as any).parkealoMap.streetMap.status === "failed", undefined, {
    timeout: 15_000,
  });
  expect(await page.isVisible("#tile-note")).toBe(true);
  expect(await page.textContent("#tile-note")).toContain("Street map unavailable");
  expect(await tileImages(page)).toEqual([]); // the layer is gone: nothing broken over the background
  expect(await page.locator(".leaflet-control-attribution").textContent()).not.toContain("Test tiles");
  expect(await colourOf(page, space.id)).toBe(colours.available);

  // The cells are still live: a booking made through REST reaches the map.
  const driver = await insertDriver(pool, tokens);
  const window = futureWindow(60);
  const booked = await requestBooking(gateway.url, driver, { spaceId: space.id, ...window });
  expect(booked.status).toBe(201);
  await page.waitForFunction(
    ([id, until]) => (globalThis as any).parkealoMap.spaceOf(id)?.freeUntil === until,
    [space.id, window.start] as const,
    { timeout: 5000, polling: 20 },
  );

  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: `test-output/${screenshot}` });
  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
}

it("falls back to the blank background with a note when the tile server answers errors", async () => {
  tiles.mode = "error";
  tiles.requests.length = 0;
  await expectBlankBackgroundFallback("live-map-tiles-failing.png");
  expect(tiles.requests.length).toBeGreaterThan(0); // the page did ask, and got 500s
});

it("falls back to the blank background with a note when the tile server is down", async () => {
  await tiles.stop();
  await expectBlankBackgroundFallback("live-map-tiles-down.png");
});

it("shows a host's approval prompt with the driver's name as text, whatever it holds", async () => {
  const hostId = await insertHost(pool);
  const hostToken = await tokens.sign({ userId: hostId, roles: ["host"] });
  const space = await insertSpace(pool, config, hostId, randomPoint(), { bookingMode: "request" });
  const driver = await insertDriver(pool, tokens);
  const name = '<img id="injected" src="x">';
  await pool.query("update users set first_name = $2 where id = $1", [driver.id, name]);

  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const cspViolations = await recordCspViolations(page);
  // Signed in as the host, as the page's sign-in leaves it.
  await page.addInitScript(
    ([token]) => {
      (globalThis as any).sessionStorage.setItem("parkealo.token", token!);
      (globalThis as any).sessionStorage.setItem("parkealo.roles", JSON.stringify(["host"]));
    },
    [hostToken] as const,
  );
  await page.goto(`${gateway.url}/?lat=${space.lat}&lng=${space.lng}&zoom=17`);
  await page.waitForFunction((id) => (globalThis as any).parkealoMap?.stateOf(id) !== undefined, space.id, {
    timeout: 10_000,
  });
  // A prompt made before the host's socket signs in comes with its list of pending requests.
  const booked = await requestBooking(gateway.url, driver, { spaceId: space.id, ...futureWindow(120) });
  expect(booked.status).toBe(201);
  await page.waitForSelector("#prompts li", { timeout: 5000 });
  const shown = await page.textContent("#prompts li b");
  expect(shown).toContain(name);
  expect(await page.locator("#injected").count()).toBe(0);
  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
  await page.close();
});
