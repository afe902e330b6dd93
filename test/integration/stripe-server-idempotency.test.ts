// Idempotency-Key on the local Stripe-compatible server, through the real SDK: a retried request makes
// one object and replays the first answer; the key reused for another request is refused.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { testStripe } from "../support/stripe-server.ts";

describe("local Stripe-compatible server: Idempotency-Key", () => {
  it("replays the first answer to the same key and parameters: one intent, one capture, one refund", async () => {
    const { stripe, counts } = testStripe();
    const params = {
      amount: 3000,
      currency: "eur",
      capture_method: "manual" as const,
      payment_method: "pm_card_visa",
      confirm: true,
      metadata: { booking_id: "b-7", action: "authorize" },
    };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "booking-b-7-authorize" });
    const again = await stripe.paymentIntents.create(
      { ...params, metadata: { action: "authorize", booking_id: "b-7" } },
      { idempotencyKey: "booking-b-7-authorize" },
    );
    expect(again.id).toBe(first.id);
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");

    for (let i = 0; i < 3; i++) {
      const captured = await stripe.paymentIntents.capture(
        first.id,
        {},
        { idempotencyKey: "booking-b-7-capture" },
      );
      expect(captured.status).toBe("succeeded");
    }
    const refunds = await Promise.all(
      [1, 2, 3].map(() =>
        stripe.refunds.create(
          { payment_intent: first.id, amount: 1000 },
          { idempotencyKey: "booking-b-7-refund" },
        ),
      ),
    );
    expect(new Set(refunds.map((r) => r.id)).size).toBe(1);
    expect(await counts()).toMatchObject({ payment_intents: 1, confirmations: 1, captures: 1, refunds: 1 });
    expect((await stripe.charges.retrieve(first.latest_charge as string)).amount_refunded).toBe(1000);
  });

  it("replays a card error too, without a second charge attempt", async () => {
    const { stripe, counts } = testStripe();
    const intent = await stripe.paymentIntents.create({
      amount: 700,
      currency: "eur",
      capture_method: "manual",
    });
    const confirm = () =>
      stripe.paymentIntents.confirm(
        intent.id,
        { payment_method: "pm_card_chargeDeclined" },
        { idempotencyKey: "confirm-once" },
      );
    const errors = await Promise.all([confirm(), confirm()].map((p) => p.catch((e: unknown) => e)));
    for (const error of errors) expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await counts()).confirmations).toBe(1);
  });

  it("refuses the same key with other parameters (400 idempotency_error) and makes nothing", async () => {
    const { stripe, counts } = testStripe();
    await stripe.paymentIntents.create({ amount: 1000, currency: "eur" }, { idempotencyKey: "key-1" });
    const error = await stripe.paymentIntents
      .create({ amount: 1001, currency: "eur" }, { idempotencyKey: "key-1" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, type: "StripeIdempotencyError" });
    // Another endpoint under the same key is another request as well.
    await expect(
      stripe.refunds.create({ payment_intent: "pi_x" }, { idempotencyKey: "key-1" }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((await counts()).payment_intents).toBe(1);
  });

  it("keeps no result of a request refused for bad parameters, so a corrected retry runs", async () => {
    const { stripe, counts } = testStripe();
    await expect(
      stripe.paymentIntents.create({ amount: -5, currency: "eur" }, { idempotencyKey: "fix-me" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "amount" });
    const fixed = await stripe.paymentIntents.create(
      { amount: 5, currency: "eur" },
      { idempotencyKey: "fix-me" },
    );
    expect(fixed.amount).toBe(5);
    expect((await counts()).payment_intents).toBe(1);
  });

  it("scopes keys to the secret key: another account's same key is a new request", async () => {
    const a = testStripe();
    const b = testStripe();
    const fromA = await a.stripe.paymentIntents.create(
      { amount: 100, currency: "eur" },
      { idempotencyKey: "shared" },
    );
    const fromB = await b.stripe.paymentIntents.create(
      { amount: 200, currency: "eur" },
      { idempotencyKey: "shared" },
    );
    expect(fromB.id).not.toBe(fromA.id);
    expect(fromB.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });
});
