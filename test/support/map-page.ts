// The live map page driven in a browser (playwright-core), for the map's end-to-end suites: a gateway
// process, a shard worker and headless chromium to open the page with; the demo driver the page signs
// in as, spaces placed so their markers do not overlap, a click on a marker, and the answers the
// page's own REST calls got (window.parkealoMap).
import { type Browser, chromium, type Page } from "playwright-core";
import { chromiumBinary } from "../../devstack/system-packages.ts";
import { DEMO_DRIVER } from "../../gateway/web/map-routes.ts";
import { hashPassword } from "../../src/auth/passwords.ts";
import type { Pool } from "../../src/storage/postgres.ts";
import { waitFor } from "./actor-conformance.ts";
import { type GatewayProcess, startGateways } from "./gateway-processes.ts";
import { pointsInCell, randomPoint } from "./live-fixtures.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "./worker-processes.ts";

export interface MapPageStack {
  gateway: GatewayProcess;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * One gateway process and one shard worker (owning all of `env`'s ACTOR_SHARD_COUNT, 2) on `env`, plus
 * `gatewayEnv` for the gateway alone; resolves once the worker owns every shard and chromium runs.
 */
export async function startMapPageStack(
  workerId: string,
  env: Record<string, string>,
  gatewayEnv: Record<string, string> = {},
): Promise<MapPageStack> {
  const executablePath = chromiumBinary();
  const [started, worker] = await Promise.all([
    startGateways(1, { ...env, ...gatewayEnv }),
    spawnWorker(workerId, { ...env, LOG_LEVEL: "warn", NODE_ENV: "test" }, SHARD_WORKER_ENTRY),
  ]);
  const gateway = started[0]!;
  await waitFor(
    () => worker.health(),
    (s) => s.ownedShards.length === 2,
    30_000,
    "the worker owning every shard",
  );
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
  return {
    gateway,
    browser,
    async stop() {
      await browser.close();
      await gateway.process.stop("SIGTERM", 5000);
    },
  };
}

/** The demo driver the page signs in as (the suites' database has no demo data): made once, by email. */
export async function demoDriverId(pool: Pool): Promise<string> {
  const passwordHash = await hashPassword(DEMO_DRIVER.password);
  await pool.query(
    `insert into users (email, password_hash, first_name, last_name) values ($1, $2, 'Demo', 'Driver')
     on conflict do nothing`,
    [DEMO_DRIVER.email, passwordHash],
  );
  const { rows } = await pool.query<{ id: string }>("select id from users where email = $1", [
    DEMO_DRIVER.email,
  ]);
  await pool.query("insert into user_roles (user_id, role) values ($1, 'driver') on conflict do nothing", [
    rows[0]!.id,
  ]);
  return rows[0]!.id;
}

/** `n` points of one map cell, each at least ~30 m from the others: their markers do not overlap at zoom 17. */
export function pointsApart(n: number, mapResolution: number) {
  for (;;) {
    const { points } = pointsInCell(randomPoint(), n, mapResolution);
    const apart = points.every((a, i) =>
      points.slice(i + 1).every((b) => Math.hypot(a.lat - b.lat, a.lng - b.lng) > 0.0003),
    );
    if (points.length === n && apart) return points;
  }
}

/** Clicks the marker of a space where the page draws it (the map fills the page's left side). */
export async function clickMarker(page: Page, at: { lat: number; lng: number }) {
  const point = await page.evaluate(
    ([lat, lng]) => {
      const p = (globalThis as any).parkealoMap.map.latLngToContainerPoint([lat, lng]);
      return { x: p.x as number, y: p.y as number };
    },
    [at.lat, at.lng] as const,
  );
  await page.mouse.click(point.x, point.y);
}

/** Signs in with the page's demo driver button and waits until the page says who is signed in. */
export async function signInAsDemoDriver(page: Page) {
  await page.click("#demo-driver");
  await page.waitForFunction(
    (email) => (globalThis as any).document.getElementById("who")?.textContent?.includes(email),
    DEMO_DRIVER.email,
    { timeout: 15_000 },
  );
}

/** The last answer the page's `getter` (lastBooking, lastPayment) holds whose `field` is `value`. */
async function lastAnswer<T>(page: Page, getter: string, field: string, value: string): Promise<T> {
  const handle = await page.waitForFunction(
    ([get, key, wanted]) => {
      const last = (globalThis as any).parkealoMap[get!]();
      return last?.[key!] === wanted ? last : undefined;
    },
    [getter, field, value] as const,
    { timeout: 30_000, polling: 20 },
  );
  return (await handle.jsonValue()) as T;
}

/** The answer of the booking a click made, once the page has it. */
export const bookingAnswer = (page: Page, spaceId: string) =>
  lastAnswer<{ status: number; body: any; answeredAt: number }>(page, "lastBooking", "spaceId", spaceId);

/** The answer of the payment the pay form made for a booking, once the page has it. */
export const paymentAnswer = (page: Page, bookingId: string) =>
  lastAnswer<{ status: number; body: any; paymentMethodId: string }>(
    page,
    "lastPayment",
    "bookingId",
    bookingId,
  );
