// Idempotency keys expire: a server keeping them briefly (the real one keeps them 24 h) runs a request
// again once its key's result is gone; past the per-key cap the oldest results go first.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStripeServer, startStripeServer } from "../../devstack/stripe-server/server.ts";
import { createStripeClient } from "../../src/payments/stripe-client.ts";

describe("local Stripe-compatible server: idempotency keys expire", () => {
  let server: RunningStripeServer;
  beforeAll(async () => {
    server = await startStripeServer({ idempotencyTtlMs: 2000, idempotencyMaxKeys: 3 });
  });
  afterAll(() => server.close());

  it("replays within the key's lifetime and runs the request again after it", async () => {
    const stripe = createStripeClient(
      { STRIPE_SECRET_KEY: `sk_test_${randomBytes(8).toString("hex")}`, STRIPE_API_URL: server.url },
      { maxNetworkRetries: 0 },
    );
    const params = { amount: 800, currency: "eur" };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "short-lived" });
    const replay = await stripe.paymentIntents.create(params, { idempotencyKey: "short-lived" });
    expect(replay.id).toBe(first.id);
    const deadline = Date.now() + 10_000;
    let later = replay;
    while (later.id === first.id && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      later = await stripe.paymentIntents.create(params, { idempotencyKey: "short-lived" });
    }
    expect(later.id).not.toBe(first.id);
    expect(later.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("keeps at most idempotencyMaxKeys results per secret key, dropping the oldest", async () => {
    const stripe = createStripeClient(
      { STRIPE_SECRET_KEY: `sk_test_${randomBytes(8).toString("hex")}`, STRIPE_API_URL: server.url },
      { maxNetworkRetries: 0 },
    );
    const params = { amount: 100, currency: "eur" };
    const oldest = await stripe.paymentIntents.create(params, { idempotencyKey: "k0" });
    for (const key of ["k1", "k2", "k3"]) await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const newest = await stripe.paymentIntents.create(params, { idempotencyKey: "k3" });
    expect(newest.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await stripe.paymentIntents.create(params, { idempotencyKey: "k0" })).id).not.toBe(oldest.id);
  });
});
