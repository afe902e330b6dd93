// The local Stripe-compatible server with a state file (as `npm start` runs it): accounts, intents and
// idempotency keys outlive a restart.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startStripeServer } from "../../devstack/stripe-server/server.ts";
import { createStripeClient } from "../../src/payments/stripe-client.ts";

describe("local Stripe-compatible server: state file", () => {
  it("keeps accounts, intents and idempotency keys across a restart", async () => {
    const stateFile = join(
      mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "stripe-state-")),
      "state.json",
    );
    const key = `sk_test_${randomBytes(8).toString("hex")}`;
    const client = (url: string) =>
      createStripeClient({ STRIPE_SECRET_KEY: key, STRIPE_API_URL: url }, { maxNetworkRetries: 0 });

    const first = await startStripeServer({ stateFile });
    const stripe = client(first.url);
    const account = await stripe.accounts.create({ type: "express" });
    const link = await stripe.accountLinks.create({ account: account.id, type: "account_onboarding" });
    expect((await fetch(link.url)).status).toBe(200);
    const intent = await stripe.paymentIntents.create(
      {
        amount: 1000,
        currency: "eur",
        capture_method: "manual",
        payment_method: "pm_card_visa",
        confirm: true,
      },
      { idempotencyKey: "before-restart" },
    );
    await first.close();

    const second = await startStripeServer({ stateFile });
    try {
      const again = client(second.url);
      expect((await again.accounts.retrieve(account.id)).charges_enabled).toBe(true);
      expect((await again.paymentIntents.retrieve(intent.id)).status).toBe("requires_capture");
      const replay = await again.paymentIntents.create(
        {
          amount: 1000,
          currency: "eur",
          capture_method: "manual",
          payment_method: "pm_card_visa",
          confirm: true,
        },
        { idempotencyKey: "before-restart" },
      );
      expect(replay.id).toBe(intent.id);
      expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
      expect((await again.paymentIntents.capture(intent.id)).status).toBe("succeeded");
      const counts = (await (
        await fetch(`${second.url}/_test/counts`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as Record<string, number>;
      expect(counts).toMatchObject({ accounts: 1, payment_intents: 1, captures: 1 });
    } finally {
      await second.close();
    }
  });
});
