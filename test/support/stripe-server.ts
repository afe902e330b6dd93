// A Stripe SDK client for one test, against the local Stripe-compatible server that `npm test` started,
// under a fresh secret key (the server keeps one set of objects per key, so tests never share state).
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { createStripeClient } from "../../src/payments/stripe-client.ts";
import { testConfig } from "./test-app.ts";

export interface TestStripe {
  stripe: Stripe;
  key: string;
  apiUrl: string;
  /** Objects made and actions done on the server under this key (`GET /_test/counts`). */
  counts(): Promise<Record<string, number>>;
  /** A connected Express account that finished onboarding (its account link followed). */
  onboardedAccount(): Promise<Stripe.Account>;
}

export function testStripe(): TestStripe {
  const key = `sk_test_${randomBytes(12).toString("hex")}`;
  const config = testConfig({ STRIPE_SECRET_KEY: key });
  if (!config.STRIPE_API_URL) throw new Error("STRIPE_API_URL is not set: run the tests with `npm test`");
  const apiUrl = config.STRIPE_API_URL;
  const stripe = createStripeClient(config, { maxNetworkRetries: 0 });
  return {
    stripe,
    key,
    apiUrl,
    async counts() {
      const response = await fetch(`${apiUrl}/_test/counts`, { headers: { authorization: `Bearer ${key}` } });
      if (!response.ok) throw new Error(`counts: HTTP ${response.status}`);
      return (await response.json()) as Record<string, number>;
    },
    async onboardedAccount() {
      const account = await stripe.accounts.create({ type: "express", country: "ES" });
      const link = await stripe.accountLinks.create({
        account: account.id,
        type: "account_onboarding",
        refresh_url: "http://localhost:3000/host/onboarding/refresh",
        return_url: "http://localhost:3000/host/onboarding/done",
      });
      const response = await fetch(link.url, { redirect: "manual" });
      if (response.status !== 302) throw new Error(`onboarding link answered ${response.status}`);
      return stripe.accounts.retrieve(account.id);
    },
  };
}
