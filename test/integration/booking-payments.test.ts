// Paid bookings end to end against real Redis + PostgreSQL + the local Stripe-compatible server, the
// space actor hosted in this process: a booking waits for payment, the driver pays, the actor is told
// the outcome; captures, releases and refunds follow the booking (what the `booking-payments` outbox
// handler runs after each event is called here directly: `settle`). Money is counted on the server.
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { BookingPayments } from "../../src/payments/booking-payments.ts";
import { window } from "../support/booking-fixtures.ts";
import { paidSpace } from "../support/payment-fixtures.ts";
import { signUpAdmin } from "../support/space-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { testStripe } from "../support/stripe-server.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const stripe = testStripe();
const t = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "2",
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
});
const settler = new BookingPayments({
  db: t.deps.pool,
  stripe: stripe.stripe,
  tell: (spaceId, command) => t.deps.spaceCommands.paymentOutcome(spaceId, command),
  logger: createLogger(t.config, "test"),
});

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-payments-host");
});

async function book(spaceId: string, w = window(1, 2)) {
  const driver = await t.signUp("driver");
  const res = await driver.client.post("/api/v1/bookings", { spaceId, ...w });
  expect(res.status).toBe(201);
  return { driver, booking: res.body as { id: string; status: string; totalAmount: number } };
}

type Driver = Awaited<ReturnType<typeof t.signUp>>;

function pay(driver: Driver, bookingId: string, paymentMethodId: string) {
  return driver.client.post("/api/v1/payments/process", { bookingId, paymentMethodId });
}

async function status(bookingId: string): Promise<string> {
  const { rows } = await t.deps.pool.query<{ status: string }>("select status from bookings where id = $1", [
    bookingId,
  ]);
  return rows[0]!.status;
}

describe("a paid instant booking", () => {
  it("waits for payment, is confirmed once the card is authorized, and is captured then, once", async () => {
    const { spaceId } = await paidSpace(t, stripe);
    const before = await stripe.counts();
    const { driver, booking } = await book(spaceId);
    expect(booking.status).toBe("awaiting_payment");

    const paid = await pay(driver, booking.id, "pm_card_visa");
    expect(paid.status).toBe(200);
    // Authorized, the actor told, the booking confirmed, then captured: all before the answer.
    expect(paid.body).toMatchObject({
      bookingId: booking.id,
      status: "captured",
      amount: booking.totalAmount,
      applicationFee: 60,
      bookingStatus: "confirmed",
    });
    expect(await status(booking.id)).toBe("confirmed");

    // The booking.confirmed event's handler and the webhook's find nothing more to do.
    await settler.settle(booking.id);
    await settler.settle(booking.id);
    const read = await driver.client.get(`/api/v1/payments/${paid.body.id}`);
    expect(read.body).toMatchObject({ status: "captured", capturedAmount: booking.totalAmount });
    const after = await stripe.counts();
    expect((after.payment_intents ?? 0) - (before.payment_intents ?? 0)).toBe(1);
    expect((after.captures ?? 0) - (before.captures ?? 0)).toBe(1);
  });

  it("a refused card: the payment failed, the booking payment_failed, its slot free again", async () => {
    const { spaceId } = await paidSpace(t, stripe);
    const w = window(3, 2);
    const { driver, booking } = await book(spaceId, w);
    const paid = await pay(driver, booking.id, "pm_card_chargeDeclined");
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({
      status: "failed",
      failureCode: "card_declined",
      bookingStatus: "payment_failed",
    });
    const next = await book(spaceId, w);
    expect(next.booking.status).toBe("awaiting_payment");
  });

  it("refunds a driver's cancellation as the space's policy says, once", async () => {
    // moderate: 50 % between 1 and 5 days ahead; the window starts about 2 days ahead.
    const { spaceId } = await paidSpace(t, stripe, { cancellationPolicy: "moderate" });
    const { driver, booking } = await book(spaceId, window(5, 2));
    const paid = await pay(driver, booking.id, "pm_card_visa");
    expect(paid.body.bookingStatus).toBe("confirmed");
    await settler.settle(booking.id);
    const cancelled = await driver.client.put(`/api/v1/bookings/${booking.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const before = await stripe.counts();
    await Promise.all([settler.settle(booking.id), settler.settle(booking.id)]);
    await settler.settle(booking.id);
    const read = await driver.client.get(`/api/v1/payments/${paid.body.id}`);
    expect(read.body).toMatchObject({
      status: "partially_refunded",
      capturedAmount: booking.totalAmount,
      refundedAmount: Math.ceil(booking.totalAmount / 2),
    });
    expect(((await stripe.counts()).refunds ?? 0) - (before.refunds ?? 0)).toBe(1);
  });

  it("a host's cancellation refunds everything", async () => {
    const { spaceId, host } = await paidSpace(t, stripe, { cancellationPolicy: "strict" });
    const { driver, booking } = await book(spaceId, window(7, 2));
    const paid = await pay(driver, booking.id, "pm_card_visa");
    await settler.settle(booking.id);
    expect((await host.client.put(`/api/v1/bookings/${booking.id}/cancel`, {})).status).toBe(200);
    await settler.settle(booking.id);
    const read = await driver.client.get(`/api/v1/payments/${paid.body.id}`);
    expect(read.body).toMatchObject({ status: "refunded", refundedAmount: booking.totalAmount });
    const commission = await host.client.get(`/api/v1/commissions/${booking.id}`);
    expect(commission.body).toMatchObject({ retainedAmount: 0, platformFee: 0, status: "refunded" });
  });

  it("a storm of retried payments for one booking makes one intent and one confirmation", async () => {
    const { spaceId } = await paidSpace(t, stripe);
    const { driver, booking } = await book(spaceId, window(9, 2));
    const before = await stripe.counts();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => pay(driver, booking.id, "pm_card_visa")),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    await Promise.all([settler.settle(booking.id), settler.settle(booking.id), settler.settle(booking.id)]);
    const after = await stripe.counts();
    expect((after.payment_intents ?? 0) - (before.payment_intents ?? 0)).toBe(1);
    expect((after.confirmations ?? 0) - (before.confirmations ?? 0)).toBe(1);
    expect((after.captures ?? 0) - (before.captures ?? 0)).toBe(1);
    expect(await status(booking.id)).toBe("confirmed");
  });

  it("a storm of cancellations, settles and retried admin refunds refunds each amount once", async () => {
    // moderate: 50 % between 1 and 5 days ahead; the window starts about 2.6 days ahead.
    const { spaceId } = await paidSpace(t, stripe, { cancellationPolicy: "moderate" });
    const { driver, booking } = await book(spaceId, window(15, 2));
    const paid = await pay(driver, booking.id, "pm_card_visa");
    expect(paid.body.status).toBe("captured");
    const before = await stripe.counts();
    const cancels = await Promise.all(
      Array.from({ length: 8 }, () => driver.client.put(`/api/v1/bookings/${booking.id}/cancel`, {})),
    );
    // One cancellation wins; the others find it cancelled already.
    expect(cancels.filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(1);
    for (const c of cancels) expect([200, 409]).toContain(c.status);
    await Promise.all(Array.from({ length: 6 }, () => settler.settle(booking.id)));
    const half = Math.ceil(booking.totalAmount / 2);
    const afterPolicy = await driver.client.get(`/api/v1/payments/${paid.body.id}`);
    expect(afterPolicy.body).toMatchObject({ status: "partially_refunded", refundedAmount: half });

    // An admin's goodwill refund of 1 more, retried 6 times at once with one Idempotency-Key.
    const admin = await signUpAdmin(t);
    const key = `refund-${booking.id}`;
    const refunds = await Promise.all(
      Array.from({ length: 6 }, () =>
        admin.client.post(
          `/api/v1/payments/${paid.body.id}/refund`,
          { amount: 1 },
          { "idempotency-key": key },
        ),
      ),
    );
    for (const r of refunds) expect([200, 409]).toContain(r.status);
    expect(refunds.some((r) => r.status === 200)).toBe(true);
    await Promise.all(Array.from({ length: 3 }, () => settler.settle(booking.id)));
    const after = await stripe.counts();
    expect((after.refunds ?? 0) - (before.refunds ?? 0)).toBe(2);
    expect((await driver.client.get(`/api/v1/payments/${paid.body.id}`)).body.refundedAmount).toBe(half + 1);
  });
});

describe("a paid request-to-book", () => {
  it("holds the authorization while the host decides; approval captures it", async () => {
    const { spaceId, host } = await paidSpace(t, stripe, { bookingMode: "request" });
    const { driver, booking } = await book(spaceId, window(11, 2));
    const paid = await pay(driver, booking.id, "pm_card_visa");
    expect(paid.body).toMatchObject({ status: "authorized", bookingStatus: "pending_approval" });
    await settler.settle(booking.id);
    expect((await driver.client.get(`/api/v1/payments/${paid.body.id}`)).body.status).toBe("authorized");
    expect((await host.client.put(`/api/v1/bookings/${booking.id}/approve`, {})).status).toBe(200);
    await settler.settle(booking.id);
    expect((await driver.client.get(`/api/v1/payments/${paid.body.id}`)).body.status).toBe("captured");
  });

  it("a rejection releases the authorization: nothing captured", async () => {
    const { spaceId, host } = await paidSpace(t, stripe, { bookingMode: "request" });
    const { driver, booking } = await book(spaceId, window(13, 2));
    const paid = await pay(driver, booking.id, "pm_card_visa");
    expect((await host.client.put(`/api/v1/bookings/${booking.id}/reject`, {})).status).toBe(200);
    await settler.settle(booking.id);
    const read = await driver.client.get(`/api/v1/payments/${paid.body.id}`);
    expect(read.body).toMatchObject({ status: "released", capturedAmount: 0 });
    const intent = await stripe.stripe.paymentIntents.retrieve(read.body.paymentIntentId);
    expect(intent.status).toBe("canceled");
  });
});

describe("refusals", () => {
  it("answers 409 for a booking not waiting for payment, 404 for another driver's, and writes nothing", async () => {
    const { spaceId } = await paidSpace(t, stripe);
    const { driver, booking } = await book(spaceId, window(15, 2));
    const stranger = await t.signUp("driver");
    const theirs = await pay(stranger, booking.id, "pm_card_visa");
    expect(theirs.status).toBe(404);
    expectErrorShape(theirs.body);
    expect(theirs.body.error.code).toBe("not_found");
    expect((await driver.client.put(`/api/v1/bookings/${booking.id}/cancel`, {})).status).toBe(200);
    const late = await pay(driver, booking.id, "pm_card_visa");
    expect(late.status).toBe(409);
    expectErrorShape(late.body);
    expect(late.body.error.code).toBe("not_awaiting_payment");
    const { rows } = await t.deps.pool.query("select 1 from payments where booking_id = $1", [booking.id]);
    expect(rows).toHaveLength(0);
  });

  it("answers 409 host_cannot_take_payments when the host has no ready account", async () => {
    // Published while ready (publishing needs a ready account), then Stripe turned its charges off.
    const { spaceId, host } = await paidSpace(t, stripe);
    await t.deps.pool.query(`update host_payment_accounts set charges_enabled = false where user_id = $1`, [
      host.userId,
    ]);
    const { driver, booking } = await book(spaceId, window(17, 2));
    const res = await pay(driver, booking.id, "pm_card_visa");
    expect(res.status).toBe(409);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("host_cannot_take_payments");
  });
});
