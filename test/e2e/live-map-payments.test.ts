// The live map page paying for bookings in a real browser (Debian's chromium, headless, through
// playwright-core), against a gateway process and a shard worker with payments on (PAYMENTS_ENABLED,
// the local Stripe-compatible server under a key of this file's own): the demo driver clicks a marker,
// the booking waits for payment, the driver picks a test card in the panel (no card number is typed
// anywhere) and pays through POST /api/v1/payments/process with an Idempotency-Key. An instant space is
// then confirmed and its payment captured, a request-to-book space waits for its host with the card
// authorized, and a declined card leaves the booking payment_failed. A payment whose answer is lost is
// retried with the same Idempotency-Key and answered once. The page says each outcome, runs
// under the gateway's Content-Security-Policy without a violation, and saves screenshots under
// test-output/.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createPool } from "../../src/storage/postgres.ts";
import { recordCspViolations } from "../support/csp-violations.ts";
import type { GatewayProcess } from "../support/gateway-processes.ts";
import { insertHost, insertSpace } from "../support/live-fixtures.ts";
import {
  bookingAnswer,
  clickMarker,
  demoDriverId,
  paymentAnswer,
  pointsApart,
  signInAsDemoDriver,
  startMapPageStack,
} from "../support/map-page.ts";
import { onboardHostIn } from "../support/payment-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testStripe } from "../support/stripe-server.ts";
import { testConfig } from "../support/test-app.ts";

const stripe = testStripe();
const env = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "2",
  ACTOR_REPLY_TIMEOUT_MS: "20000",
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
  MAP_TILE_URL: "none",
};
const config = testConfig(env);
const pool = createPool(config.DATABASE_URL, 2);
let gateway: GatewayProcess;
let browser: Browser;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ gateway, browser, stop } = await startMapPageStack("map-pay-worker", env));
}, 300_000);

afterAll(async () => {
  await stop?.();
  await pool.end();
});

const text = (page: Page, selector: string) => page.textContent(selector);

async function ledger(bookingId: string) {
  const booking = await pool.query<{ status: string }>("select status from bookings where id = $1", [
    bookingId,
  ]);
  const payment = await pool.query<{ status: string; amount: number; paymentMethod: string }>(
    `select status, amount, payment_method as "paymentMethod" from payments where booking_id = $1`,
    [bookingId],
  );
  return { booking: booking.rows[0]?.status, payments: payment.rows };
}

/** Clicks the space's marker, expects a booking waiting for payment, and pays it with `card`. */
async function bookAndPay(page: Page, space: { id: string; lat: number; lng: number }, card: string) {
  await clickMarker(page, space);
  const booked = await bookingAnswer(page, space.id);
  expect(booked.status).toBe(201);
  expect(booked.body).toMatchObject({ spaceId: space.id, status: "awaiting_payment" });
  expect(await text(page, "#status")).toMatch(/^held .*: pay for it in the panel$/);
  expect(await page.isVisible("#pay")).toBe(true);
  expect(await page.isVisible("#pay-form")).toBe(true);
  const price = `${(booked.body.totalAmount / 100).toFixed(2)} EUR`;
  expect(await text(page, "#pay-what")).toContain(price);
  await page.selectOption("#pay-card", card);
  await page.click("#pay-button");
  const paid = await paymentAnswer(page, booked.body.id);
  return { booking: booked.body, paid, price };
}

it("pays a booking that waits for payment with the test card the driver picks, and says the outcome", async () => {
  const hostId = await insertHost(pool);
  await onboardHostIn(pool, stripe, hostId);
  const [a, b, c] = pointsApart(3, config.H3_MAP_RESOLUTION);
  const instant = await insertSpace(pool, config, hostId, a!);
  const request = await insertSpace(pool, config, hostId, b!, { bookingMode: "request" });
  const declined = await insertSpace(pool, config, hostId, c!);
  await demoDriverId(pool);

  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const cspViolations = await recordCspViolations(page);
  const payRequests: Array<Record<string, string>> = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith("/api/v1/payments/process"))
      payRequests.push(request.headers());
  });
  await page.goto(`${gateway.url}/?lat=${instant.lat}&lng=${instant.lng}&zoom=17`);
  await page.waitForFunction(
    (ids) => ids.every((id) => (globalThis as any).parkealoMap?.stateOf(id) !== undefined),
    [instant.id, request.id, declined.id],
    { timeout: 10_000 },
  );
  // Test payment methods picked from a list, said so; nothing to type a card number into.
  expect(await page.isVisible("#pay")).toBe(false);
  const options = await page.$$eval("#pay-card option", (all) =>
    all.map((o) => [(o as any).value as string, (o as any).textContent as string]),
  );
  expect(options).toEqual([
    ["pm_card_visa", "Visa (succeeds)"],
    ["pm_card_chargeDeclined", "declined card"],
  ]);
  expect(await page.locator("#pay input").count()).toBe(0);
  expect(await text(page, "#pay .hint")).toContain("no card numbers");

  await signInAsDemoDriver(page);

  // An instant space and Visa: captured, the booking confirmed. The first answer is lost on the way
  // back (the server did pay): the driver's retry sends the same Idempotency-Key and gets that answer.
  let lost = 0;
  await page.route("**/api/v1/payments/process", async (route) => {
    if (lost++ > 0) return route.continue();
    await route.fetch();
    await route.abort("connectionreset");
  });
  await clickMarker(page, instant);
  const lostBooking = await bookingAnswer(page, instant.id);
  expect(lostBooking.body.status).toBe("awaiting_payment");
  await page.selectOption("#pay-card", "pm_card_visa");
  await page.click("#pay-button");
  await page.waitForFunction(
    () => (globalThis as any).document.getElementById("pay-outcome")?.textContent?.endsWith("try again"),
    undefined,
    { timeout: 15_000 },
  );
  expect(await page.isEnabled("#pay-button")).toBe(true);
  await page.unrouteAll({ behavior: "wait" });
  await page.click("#pay-button");
  const first = {
    booking: lostBooking.body,
    paid: await paymentAnswer(page, lostBooking.body.id),
    price: `${(lostBooking.body.totalAmount / 100).toFixed(2)} EUR`,
  };
  expect(first.paid).toMatchObject({
    status: 200,
    paymentMethodId: "pm_card_visa",
    body: { bookingId: first.booking.id, status: "captured", bookingStatus: "confirmed" },
  });
  expect(await text(page, "#pay-outcome")).toBe(`paid ${first.price}: booking confirmed`);
  expect(await page.isVisible("#pay-form")).toBe(false); // paid: nothing left to pay
  expect(await ledger(first.booking.id)).toEqual({
    booking: "confirmed",
    payments: [{ status: "captured", amount: first.booking.totalAmount, paymentMethod: "pm_card_visa" }],
  });
  mkdirSync("test-output", { recursive: true });
  await page.screenshot({ path: "test-output/live-map-paid.png" });

  // A request-to-book space: the card authorized, the booking waits for its host.
  const second = await bookAndPay(page, request, "pm_card_visa");
  expect(second.paid.body).toMatchObject({ status: "authorized", bookingStatus: "pending_approval" });
  expect(await text(page, "#pay-outcome")).toBe(
    `card authorized for ${second.price}: waiting for the host (charged only if they accept)`,
  );
  expect((await ledger(second.booking.id)).booking).toBe("pending_approval");

  // A declined card: the payment failed, the booking payment_failed, the driver told.
  const third = await bookAndPay(page, declined, "pm_card_chargeDeclined");
  expect(third.paid.body).toMatchObject({
    status: "failed",
    failureCode: "card_declined",
    bookingStatus: "payment_failed",
  });
  expect(await text(page, "#pay-outcome")).toMatch(/^card declined \(.+\): the booking is not made/);
  expect(await ledger(third.booking.id)).toMatchObject({
    booking: "payment_failed",
    payments: [{ status: "failed", paymentMethod: "pm_card_chargeDeclined" }],
  });
  await page.screenshot({ path: "test-output/live-map-card-declined.png" });

  // Each payment with an Idempotency-Key of its own (the retry with its first's) and the driver's token;
  // the server made one intent for the lost answer and its retry.
  const keys = payRequests.map((headers) => headers["idempotency-key"]);
  expect(keys).toHaveLength(4);
  for (const key of keys) expect(key).toMatch(/^[0-9a-f-]{36}$/);
  expect(keys[1]).toBe(keys[0]);
  expect(new Set(keys).size).toBe(3);
  expect((await stripe.counts()).payment_intents).toBe(3);
  for (const headers of payRequests) expect(headers.authorization).toMatch(/^Bearer /);
  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
}, 120_000); // a browser, four payments and a busy machine
