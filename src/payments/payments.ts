// What the gateway holds of payments: one Stripe client and the services on it (hosts' accounts,
// payouts), made when a Stripe key is set.
import type Stripe from "stripe";
import type { Config } from "../config/index.ts";
import type { Pool } from "../storage/postgres.ts";
import { HostPaymentAccounts } from "./host-accounts.ts";
import { HostPayouts } from "./payouts.ts";
import { createStripeClient } from "./stripe-client.ts";

export interface Payments {
  stripe: Stripe;
  accounts: HostPaymentAccounts;
  payouts: HostPayouts;
}

export function createPayments(
  config: Pick<Config, "STRIPE_SECRET_KEY" | "STRIPE_API_URL" | "PUBLIC_URL">,
  pool: Pool,
): Payments | undefined {
  if (!config.STRIPE_SECRET_KEY) return undefined;
  const stripe = createStripeClient(config);
  return {
    stripe,
    accounts: new HostPaymentAccounts(pool, stripe, config.PUBLIC_URL),
    payouts: new HostPayouts(pool, stripe),
  };
}
