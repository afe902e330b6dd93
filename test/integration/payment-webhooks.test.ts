// Paid bookings settled from Stripe's webhooks, against real PostgreSQL (a database of this file's own),
// Redis, the space actor hosted here, the outbox relay with the booking-payments handler, and the local
// Stripe-compatible server: a payment whose request died after the card was authorized is finished by
// the webhook (the actor told, the booking confirmed, captured once) however often and in whatever
// order the intent's events arrive; a late event after a refund moves no money; an expired request
// leaves no live authorization. Money is counted on the server.
import { beforeAll, describe, expect, it } from "vitest";
import { bookingPaymentsHandler } from "../../src/jobs/booking-payments-handler.ts";
import { createLogger } from "../../src/logger.ts";
import { BookingPayments } from "../../src/payments/booking-payments.ts";
import { startingSoon, window } from "../support/booking-fixtures.ts";
import { waitFor } from "../support/outbox-fixtures.ts";
import { paidSpace } from "../support/payment-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { testStripe } from "../support/stripe-server.ts";
import { deliverEvent, startStripeHandlers } from "../support/stripe-webhooks.ts";
import { createTestApp } from "../support/test-app.ts";

const db = useScratchDatabase("payment_webhooks", 6);
const stripe = testStripe();
const t = createTestApp({
  DATABASE_URL: db.url,
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "2",
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
});
const logger = createLogger(t.config, "test");
/** What the jobs worker runs: the actor told through the same commands the gateway sends. */
const payments = new BookingPayments({
  db: t.deps.pool,
  stripe: stripe.stripe,
  tell: (spaceId, command) => t.deps.spaceCommands.paymentOutcome(spaceId, command),
  logger,
});

const startHandlers = () =>
  startStripeHandlers(t.deps.pool, db.url, stripe.stripe, [bookingPaymentsHandler(t.deps.pool, payments)]);

async function status(bookingId: string): Promise<string> {
  const { rows } = await t.deps.pool.query<{ status: string }>("select status from bookings where id = $1", [
    bookingId,
  ]);
  return rows[0]!.status;
}

async function paymentRow(bookingId: string) {
  const { rows } = await t.deps.pool.query<{ id: string; status: string; intent_id: string | null }>(
    "select id, status, stripe_payment_intent_id as intent_id from payments where booking_id = $1 and purpose = 'booking'",
    [bookingId],
  );
  return rows[0];
}

/** The events the server sent about one intent, oldest first. */
async function intentEvents(intentId: string) {
  const events = await stripe.stripe.events.list({ limit: 100 });
  return events.data.filter((event) => (event.data.object as { id?: string }).id === intentId).reverse();
}

const delta = (before: Record<string, number>, after: Record<string, number>, key: string) =>
  (after[key] ?? 0) - (before[key] ?? 0);

/** A request whose approval deadline (its start) passes during this file, paid and waiting for its host. */
let expiring: { bookingId: string; deadline: number };

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-payment-webhooks-host");
  const { spaceId } = await paidSpace(t, stripe, { bookingMode: "request", minNoticeMinutes: 0 });
  const driver = await t.signUp("driver");
  const { start, end, startMs } = startingSoon();
  const res = await driver.client.post("/api/v1/bookings", { spaceId, start, end });
  expect(res.body.status).toBe("awaiting_payment");
  const paid = await driver.client.post("/api/v1/payments/process", {
    bookingId: res.body.id,
    paymentMethodId: "pm_card_visa",
  });
  expect(paid.body).toMatchObject({ status: "authorized", bookingStatus: "pending_approval" });
  expiring = { bookingId: res.body.id, deadline: startMs };
});

describe("paid bookings settled from Stripe's webhooks", () => {
  it("finishes a payment whose request died after the authorization: once, whatever the events' order", async () => {
    const { spaceId } = await paidSpace(t, stripe);
    const driver = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(2, 2) });
    expect(booked.body.status).toBe("awaiting_payment");
    const bookingId = booked.body.id as string;
    const before = await stripe.counts();

    // The request that paid dies between Stripe's answer and telling the actor.
    const dying = new BookingPayments({
      db: t.deps.pool,
      stripe: stripe.stripe,
      tell: async () => {
        throw new Error("the gateway died here");
      },
      logger,
    });
    await expect(dying.pay(driver.userId, bookingId, "pm_card_visa")).rejects.toThrow(
      "the gateway died here",
    );
    expect(await status(bookingId)).toBe("awaiting_payment");
    const row = await paymentRow(bookingId);
    expect(row?.intent_id).toMatch(/^pi_/);

    await startHandlers();
    const events = await intentEvents(row!.intent_id!);
    const types = events.map((e) => e.type);
    expect(types).toEqual(["payment_intent.created", "payment_intent.amount_capturable_updated"]);
    const [created, authorized] = events;
    // The authorization's event twice, then the older creation event last.
    for (const event of [authorized!, authorized!, created!]) {
      expect((await deliverEvent(t, stripe.stripe, event)).status).toBe(200);
    }
    await waitFor("the booking confirmed and captured", 15_000, async () =>
      (await status(bookingId)) === "confirmed" && (await paymentRow(bookingId))?.status === "captured"
        ? true
        : undefined,
    );
    // The capture's own event (payment_intent.succeeded), delivered twice, finds nothing more to do.
    const succeeded = (await intentEvents(row!.intent_id!)).find(
      (e) => e.type === "payment_intent.succeeded",
    );
    expect(succeeded).toBeDefined();
    await deliverEvent(t, stripe.stripe, succeeded!);
    await deliverEvent(t, stripe.stripe, succeeded!);
    await waitFor("every delivered event handled", 15_000, async () => {
      const { rows } = await t.deps.pool.query<{ n: number }>(
        `select count(*)::int as n from outbox o
           left join processed_events p on p.event_id = o.id and p.handler = 'booking-payments'
          where o.aggregate_type = 'stripe' and p.event_id is null
            and o.event_type like 'payment_intent.%'`,
      );
      return rows[0]!.n === 0 ? true : undefined;
    });
    const after = await stripe.counts();
    expect(delta(before, after, "payment_intents")).toBe(1);
    expect(delta(before, after, "confirmations")).toBe(1);
    expect(delta(before, after, "captures")).toBe(1);
    expect(delta(before, after, "refunds")).toBe(0);
    // One outbox row per distinct event: the duplicate deliveries were dropped at the door.
    const { rows } = await t.deps.pool.query<{ aggregate_id: string }>(
      "select aggregate_id from outbox where aggregate_type = 'stripe' and aggregate_id = any($1::text[])",
      [[created!.id, authorized!.id, succeeded!.id]],
    );
    expect(rows).toHaveLength(3);
  });

  it("moves no money for an old event delivered after the booking was cancelled and refunded", async () => {
    await startHandlers();
    const { spaceId } = await paidSpace(t, stripe, { cancellationPolicy: "flexible" });
    const driver = await t.signUp("driver");
    // More than a day ahead: a driver's cancellation gets everything back.
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(72, 2) });
    const bookingId = booked.body.id as string;
    const paid = await driver.client.post("/api/v1/payments/process", {
      bookingId,
      paymentMethodId: "pm_card_visa",
    });
    expect(paid.body).toMatchObject({ status: "captured", bookingStatus: "confirmed" });
    const before = await stripe.counts();
    expect((await driver.client.put(`/api/v1/bookings/${bookingId}/cancel`, {})).status).toBe(200);
    await waitFor("the refund", 15_000, async () =>
      (await paymentRow(bookingId))?.status === "refunded" ? true : undefined,
    );
    // Every event of the intent, oldest first, as a late or replaying sender would.
    for (const event of await intentEvents(paid.body.paymentIntentId)) {
      expect((await deliverEvent(t, stripe.stripe, event)).status).toBe(200);
    }
    await waitFor("the late events handled", 15_000, async () => {
      const { rows } = await t.deps.pool.query<{ n: number }>(
        `select count(*)::int as n from outbox o
           left join processed_events p on p.event_id = o.id and p.handler = 'booking-payments'
          where o.aggregate_type = 'stripe' and p.event_id is null and o.event_type like 'payment_intent.%'`,
      );
      return rows[0]!.n === 0 ? true : undefined;
    });
    const after = await stripe.counts();
    expect(delta(before, after, "refunds")).toBe(1);
    expect(delta(before, after, "captures")).toBe(0);
    expect(await status(bookingId)).toBe("cancelled");
    const intent = await stripe.stripe.paymentIntents.retrieve(paid.body.paymentIntentId, {
      expand: ["latest_charge"],
    });
    expect((intent.latest_charge as { amount_refunded: number }).amount_refunded).toBe(paid.body.amount);
  });

  it("leaves no live authorization once a paid request expires unanswered", async () => {
    await startHandlers();
    await waitFor("the request expired", Math.max(0, expiring.deadline - Date.now()) + 20_000, async () =>
      (await status(expiring.bookingId)) === "expired" ? true : undefined,
    );
    await waitFor("the authorization released", 15_000, async () =>
      (await paymentRow(expiring.bookingId))?.status === "released" ? true : undefined,
    );
    const row = await paymentRow(expiring.bookingId);
    const intent = await stripe.stripe.paymentIntents.retrieve(row!.intent_id!);
    expect(intent.status).toBe("canceled");
    expect(intent.amount_received).toBe(0);
  }, 120_000);
});
