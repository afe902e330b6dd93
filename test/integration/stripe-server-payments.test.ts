// The real `stripe` SDK against the local Stripe-compatible server: Connect onboarding, a manual-capture
// destination charge from authorization to refunds, declines, cancellation, payouts and events.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { testStripe } from "../support/stripe-server.ts";

describe("local Stripe-compatible server: payments", () => {
  it("onboards an Express account by following its account link", async () => {
    const { stripe } = testStripe();
    const account = await stripe.accounts.create({
      type: "express",
      country: "ES",
      email: "host@test.parkealo.live",
      capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
    });
    expect(account.id).toMatch(/^acct_/);
    expect([account.charges_enabled, account.payouts_enabled, account.details_submitted]).toEqual([
      false,
      false,
      false,
    ]);
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: "account_onboarding",
      refresh_url: "http://localhost:3000/refresh",
      return_url: "http://localhost:3000/done",
    });
    expect(link.object).toBe("account_link");
    const response = await fetch(link.url, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://localhost:3000/done");
    const ready = await stripe.accounts.retrieve(account.id);
    expect([ready.charges_enabled, ready.payouts_enabled, ready.details_submitted]).toEqual([
      true,
      true,
      true,
    ]);
    expect(ready.capabilities).toEqual({ card_payments: "active", transfers: "active" });
    const events = await stripe.events.list({ type: "account.updated" });
    expect(events.data).toHaveLength(1);
    expect(events.data[0]?.account).toBe(account.id);
    expect((events.data[0]?.data.object as Stripe.Account | undefined)?.charges_enabled).toBe(true);
    expect(events.data[0]?.data.previous_attributes).toMatchObject({ charges_enabled: false });
    // A used link is gone.
    expect((await fetch(link.url, { redirect: "manual" })).status).toBe(404);
  });

  it("refuses a destination charge to an account that has not finished onboarding", async () => {
    const { stripe } = testStripe();
    const account = await stripe.accounts.create({ type: "express" });
    const attempt = stripe.paymentIntents.create({
      amount: 1000,
      currency: "eur",
      transfer_data: { destination: account.id },
    });
    await expect(attempt).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "insufficient_capabilities_for_transfer",
      param: "transfer_data[destination]",
    });
  });

  it("authorizes with manual capture, captures in part, refunds in parts and never more than captured", async () => {
    const other = testStripe();
    const test = testStripe();
    const account = await test.onboardedAccount();
    const client = test.stripe;
    const intent = await client.paymentIntents.create({
      amount: 2400,
      currency: "EUR",
      capture_method: "manual",
      application_fee_amount: 240,
      transfer_data: { destination: account.id },
      metadata: { booking_id: "b-1" },
    });
    expect(intent).toMatchObject({
      status: "requires_payment_method",
      amount: 2400,
      currency: "eur",
      capture_method: "manual",
      application_fee_amount: 240,
      transfer_data: { destination: account.id },
      metadata: { booking_id: "b-1" },
    });
    const confirmed = await client.paymentIntents.confirm(intent.id, {
      payment_method: "pm_card_visa",
      expand: ["latest_charge"],
    });
    expect(confirmed.status).toBe("requires_capture");
    expect(confirmed.amount_capturable).toBe(2400);
    const charge = confirmed.latest_charge as Stripe.Charge;
    expect(charge.captured).toBe(false);
    const captureBefore = charge.payment_method_details?.card?.capture_before ?? 0;
    expect(captureBefore - charge.created).toBe(7 * 24 * 3600);

    const captured = await client.paymentIntents.capture(intent.id, { amount_to_capture: 2000 });
    expect(captured).toMatchObject({ status: "succeeded", amount_received: 2000, amount_capturable: 0 });
    const transfers = await client.transfers.list({ destination: account.id });
    expect(transfers.data.map((t) => t.amount)).toEqual([2000 - 240]);
    await expect(client.paymentIntents.capture(intent.id)).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "payment_intent_unexpected_state",
    });

    const first = await client.refunds.create({
      payment_intent: intent.id,
      amount: 500,
      reverse_transfer: true,
    });
    expect(first).toMatchObject({
      object: "refund",
      amount: 500,
      status: "succeeded",
      payment_intent: intent.id,
    });
    await expect(client.refunds.create({ payment_intent: intent.id, amount: 1501 })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      code: "amount_too_large",
      param: "amount",
    });
    const rest = await client.refunds.create({ payment_intent: intent.id });
    expect(rest.amount).toBe(1500);
    await expect(client.refunds.create({ payment_intent: intent.id, amount: 1 })).rejects.toMatchObject({
      code: "charge_already_refunded",
    });
    const refundedCharge = await client.charges.retrieve(charge.id);
    expect([refundedCharge.amount_captured, refundedCharge.amount_refunded, refundedCharge.refunded]).toEqual(
      [2000, 2000, true],
    );
    expect((await client.refunds.list({ payment_intent: intent.id })).data.map((r) => r.amount)).toEqual([
      1500, 500,
    ]);
    expect((await client.transfers.retrieve(transfers.data[0]?.id ?? "")).amount_reversed).toBe(
      Math.round((500 * 1760) / 2000),
    );

    const types = (await client.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
    expect(types.filter((t) => t !== "account.updated")).toEqual([
      "payment_intent.created",
      "payment_intent.amount_capturable_updated",
      "payment_intent.succeeded",
      "charge.refunded",
      "charge.refunded",
    ]);
    expect(await test.counts()).toMatchObject({ payment_intents: 1, captures: 1, refunds: 2, transfers: 1 });
    // Another key sees none of it.
    expect((await other.counts()).payment_intents).toBe(0);
    await expect(other.stripe.paymentIntents.retrieve(intent.id)).rejects.toMatchObject({
      code: "resource_missing",
    });
  });

  it("declines pm_card_chargeDeclined with a card error and leaves the intent waiting for a payment method", async () => {
    const { stripe } = testStripe();
    const intent = await stripe.paymentIntents.create({
      amount: 1500,
      currency: "eur",
      capture_method: "manual",
    });
    const error = await stripe.paymentIntents
      .confirm(intent.id, { payment_method: "pm_card_chargeDeclined" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline" });
    const after = await stripe.paymentIntents.retrieve(intent.id);
    expect(after.status).toBe("requires_payment_method");
    expect(after.last_payment_error?.code).toBe("card_declined");
    const failed = await stripe.events.list({ type: "payment_intent.payment_failed" });
    expect(failed.data.map((e) => (e.data.object as Stripe.PaymentIntent).id)).toEqual([intent.id]);
    // A second try with a good card succeeds.
    const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    expect(retried.status).toBe("requires_capture");
  });

  it("cancels an authorization; a canceled intent can be neither captured nor refunded", async () => {
    const { stripe } = testStripe();
    const intent = await stripe.paymentIntents.create({
      amount: 900,
      currency: "eur",
      capture_method: "manual",
      payment_method: "pm_card_visa",
      confirm: true,
    });
    expect(intent.status).toBe("requires_capture");
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: "abandoned" });
    expect(canceled).toMatchObject({
      status: "canceled",
      amount_capturable: 0,
      cancellation_reason: "abandoned",
    });
    await expect(stripe.paymentIntents.capture(intent.id)).rejects.toMatchObject({
      code: "payment_intent_unexpected_state",
    });
    await expect(stripe.refunds.create({ payment_intent: intent.id })).rejects.toMatchObject({
      code: "charge_not_refundable",
    });
    expect((await stripe.events.list({ type: "payment_intent.canceled" })).data).toHaveLength(1);
  });

  it("pays out from a connected account's balance and lists its payouts apart from the platform's", async () => {
    const test = testStripe();
    const account = await test.onboardedAccount();
    const payout = await test.stripe.payouts.create(
      { amount: 1760, currency: "eur" },
      { stripeAccount: account.id },
    );
    expect(payout).toMatchObject({ object: "payout", amount: 1760, status: "paid" });
    const listed = await test.stripe.payouts.list({}, { stripeAccount: account.id });
    expect(listed.data.map((p) => p.id)).toEqual([payout.id]);
    expect((await test.stripe.payouts.retrieve(payout.id, {}, { stripeAccount: account.id })).amount).toBe(
      1760,
    );
    expect((await test.stripe.payouts.list()).data).toEqual([]);
    const unready = await test.stripe.accounts.create({ type: "express" });
    await expect(
      test.stripe.payouts.create({ amount: 100, currency: "eur" }, { stripeAccount: unready.id }),
    ).rejects.toMatchObject({ code: "payouts_not_allowed" });
  });

  it("answers bad keys with 401 and bad parameters with Stripe's 400 errors", async () => {
    const { apiUrl, stripe } = testStripe();
    const live = new Stripe("sk_live_abcdefghijklmnop", {
      host: new URL(apiUrl).hostname,
      port: new URL(apiUrl).port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(live.paymentIntents.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const noKey = await fetch(`${apiUrl}/v1/payment_intents`);
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    await expect(
      stripe.paymentIntents.create({ amount: "twelve" as unknown as number, currency: "eur" }),
    ).rejects.toMatchObject({ statusCode: 400, code: "parameter_invalid", param: "amount" });
    await expect(
      stripe.paymentIntents.create({ currency: "eur" } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({ statusCode: 400, code: "parameter_missing", param: "amount" });
    await expect(
      stripe.paymentIntents.create({
        amount: 100,
        currency: "eur",
        colour: "red",
      } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "colour" });
    await expect(stripe.paymentIntents.retrieve("pi_missing")).rejects.toMatchObject({
      statusCode: 404,
      code: "resource_missing",
    });
    await expect(
      stripe.paymentIntents.create({ amount: 100, currency: "eur", payment_method: "pm_card_unknown" }),
    ).rejects.toMatchObject({ statusCode: 400, code: "resource_missing" });
    expect((await testStripe().counts()).payment_intents).toBe(0);
  });
});
