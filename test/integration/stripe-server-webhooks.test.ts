// Webhooks from the local Stripe-compatible server: each event reaches the registered endpoint signed
// so that the SDK's `stripe.webhooks.constructEvent` accepts it (and refuses it once tampered with),
// and an endpoint that fails is sent the event again.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testStripe } from "../support/stripe-server.ts";

interface Delivery {
  path: string;
  body: string;
  signature: string;
}

/** A webhook receiver: records every delivery; `/flaky/…` answers 500 to an event's first delivery. */
function receiver() {
  const deliveries: Delivery[] = [];
  const waiters = new Set<() => void>();
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      deliveries.push({
        path: req.url ?? "",
        body,
        signature: String(req.headers["stripe-signature"] ?? ""),
      });
      for (const wake of waiters) wake();
      const id = (JSON.parse(body) as { id: string }).id;
      const firstTime = !seen.has(id);
      seen.add(id);
      res.statusCode = req.url?.startsWith("/flaky") && firstTime ? 500 : 200;
      res.end();
    });
  });
  /** Resolves with the deliveries once `done(deliveries)` holds; fails after `timeoutMs`. */
  async function until(done: (all: Delivery[]) => boolean, timeoutMs: number): Promise<Delivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(deliveries)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`webhooks not delivered in ${timeoutMs} ms: ${deliveries.length} so far`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, left);
        waiters.add(wake);
      });
    }
    return deliveries;
  }
  return { server, deliveries, until };
}

describe("local Stripe-compatible server: webhooks", () => {
  const hook = receiver();
  let base = "";

  beforeAll(async () => {
    hook.server.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => hook.server.once("listening", () => resolve()));
    base = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => hook.server.close(() => resolve()));
  });

  it("delivers each event signed with the endpoint's secret; constructEvent verifies it and refuses a tampered one", async () => {
    const { stripe } = testStripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: `${base}/signed`,
      enabled_events: [
        "account.updated",
        "payment_intent.created",
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "charge.refunded",
      ],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const secret = endpoint.secret as string;
    const account = await testStripeAccount(stripe);
    const intent = await stripe.paymentIntents.create({
      amount: 1200,
      currency: "eur",
      capture_method: "manual",
      application_fee_amount: 120,
      transfer_data: { destination: account },
    });
    await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    await stripe.paymentIntents.capture(intent.id);
    await stripe.refunds.create({ payment_intent: intent.id, amount: 200 });
    const declined = await stripe.paymentIntents.create({ amount: 500, currency: "eur" });
    await stripe.paymentIntents
      .confirm(declined.id, { payment_method: "pm_card_chargeDeclined" })
      .catch(() => {});
    const canceled = await stripe.paymentIntents.create({ amount: 500, currency: "eur" });
    await stripe.paymentIntents.cancel(canceled.id);

    const expected = [
      "account.updated",
      "payment_intent.created",
      "payment_intent.amount_capturable_updated",
      "payment_intent.succeeded",
      "charge.refunded",
      "payment_intent.created",
      "payment_intent.payment_failed",
      "payment_intent.created",
      "payment_intent.canceled",
    ];
    const mine = (all: Delivery[]) => all.filter((d) => d.path === "/signed");
    const delivered = mine(await hook.until((all) => mine(all).length >= expected.length, 10_000));
    const events = delivered.map((d) => stripe.webhooks.constructEvent(d.body, d.signature, secret, 300));
    expect(events.map((e) => e.type).sort()).toEqual([...expected].sort());
    const listed = await stripe.events.list({ limit: 100 });
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(listed.data.map((e) => e.id)));
    const succeeded = events.find((e) => e.type === "payment_intent.succeeded");
    expect((succeeded?.data.object as Stripe.PaymentIntent | undefined)?.amount_received).toBe(1200);

    const sample = delivered[0] as Delivery;
    const tampered = sample.body.replace(/"livemode": false/, '"livemode": true');
    expect(tampered).not.toBe(sample.body);
    expect(() => stripe.webhooks.constructEvent(tampered, sample.signature, secret, 300)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => stripe.webhooks.constructEvent(sample.body, sample.signature, "whsec_other", 300)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("sends an event again after the endpoint answered 500", async () => {
    const { stripe } = testStripe();
    const endpoint = await stripe.webhookEndpoints.create({
      url: `${base}/flaky/retry`,
      enabled_events: ["payment_intent.canceled"],
    });
    const intent = await stripe.paymentIntents.create({ amount: 300, currency: "eur" });
    await stripe.paymentIntents.cancel(intent.id);
    const mine = (all: Delivery[]) => all.filter((d) => d.path === "/flaky/retry");
    const delivered = mine(await hook.until((all) => mine(all).length >= 2, 10_000));
    const events = delivered.map((d) =>
      stripe.webhooks.constructEvent(d.body, d.signature, endpoint.secret as string),
    );
    expect(events.map((e) => e.type)).toEqual(["payment_intent.canceled", "payment_intent.canceled"]);
    expect(events[1]?.id).toBe(events[0]?.id);
  });
});

/** An onboarded connected account's id (its `account.updated` goes to the endpoints of `stripe`'s key). */
async function testStripeAccount(stripe: Stripe): Promise<string> {
  const account = await stripe.accounts.create({ type: "express" });
  const link = await stripe.accountLinks.create({
    account: account.id,
    type: "account_onboarding",
    return_url: "http://localhost:3000/done",
    refresh_url: "http://localhost:3000/refresh",
  });
  expect((await fetch(link.url, { redirect: "manual" })).status).toBe(302);
  return account.id;
}
