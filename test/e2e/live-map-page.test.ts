// The live map page in a real browser (Debian's chromium, headless, through playwright-core): it
// loads from the gateway, draws the viewport's spaces, and a change published for a space turns
// its marker's colour within a second. Saves a screenshot under test-output/.
import { mkdirSync } from "node:fs";
import { Redis } from "ioredis";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumBinary } from "../../devstack/system-packages.ts";
import { createLiveContext, publishSpaceChange } from "../../src/live/index.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import { insertHost, insertSpaces, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig();
const pool = createPool(config.DATABASE_URL, 2);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const executablePath = chromiumBinary();
  [gateway] = (await startGateways(1, {})) as [GatewayProcess];
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.process.stop("SIGTERM", 5000);
  redis.disconnect();
  await pool.end();
});

it("shows spaces coloured by state and turns a marker's colour within a second of a change", async () => {
  const host = await insertHost(pool);
  const { cell, points } = pointsInCell(randomPoint(), 8, config.H3_MAP_RESOLUTION);
  const spaces = await insertSpaces(pool, config, host, points);
  const target = spaces[0]!;
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${gateway.url}/?lat=${target.lat}&lng=${target.lng}&zoom=17`);
  await page.waitForFunction(
    (id) => (globalThis as any).parkealoMap?.stateOf(id) === "available",
    target.id,
    {
      timeout: 10_000,
    },
  );
  expect(await page.evaluate((id) => (globalThis as any).parkealoMap.colourOf(id), target.id)).toBe(
    "#2e9d4f",
  );

  const started = Date.now();
  await publishSpaceChange(live, cell, {
    id: target.id,
    lat: target.lat,
    lng: target.lng,
    state: "occupied",
    hourly: target.hourly,
    currency: "EUR",
  });
  await page.waitForFunction((id) => (globalThis as any).parkealoMap.colourOf(id) === "#d64545", target.id, {
    timeout: 1000,
  });
  expect(Date.now() - started).toBeLessThan(1000);
  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: "test-output/live-map.png" });
  expect(errors).toEqual([]);
});
