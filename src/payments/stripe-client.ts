// The one place a Stripe SDK client is made: against the local Stripe-compatible server when
// STRIPE_API_URL is set (npm start, npm test), against Stripe itself otherwise.
import Stripe from "stripe";
import type { Config } from "../config/index.ts";

export type StripeSettings = Pick<Config, "STRIPE_SECRET_KEY" | "STRIPE_API_URL">;

export class StripeNotConfigured extends Error {
  override readonly name = "StripeNotConfigured";
}

export function createStripeClient(
  config: StripeSettings,
  options: { maxNetworkRetries?: number } = {},
): Stripe {
  if (!config.STRIPE_SECRET_KEY) throw new StripeNotConfigured("STRIPE_SECRET_KEY is not set");
  const common = { maxNetworkRetries: options.maxNetworkRetries ?? 2, telemetry: false };
  if (!config.STRIPE_API_URL) return new Stripe(config.STRIPE_SECRET_KEY, common);
  const url = new URL(config.STRIPE_API_URL);
  const protocol = url.protocol === "https:" ? "https" : "http";
  return new Stripe(config.STRIPE_SECRET_KEY, {
    ...common,
    host: url.hostname,
    port: url.port || (protocol === "https" ? 443 : 80),
    protocol,
  });
}
