// Stripe's failures as the API answers them: Stripe unreachable, rate limiting us or failing on its
// side is 503 payment_provider_unavailable (retry with the same Idempotency-Key: every call we make
// carries a Stripe idempotency key of its own); anything else is left as it is.
import Stripe from "stripe";
import { AppError } from "../errors.ts";

export function isStripeUnavailable(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError
  );
}

export const paymentProviderUnavailable = () =>
  new AppError(
    "payment_provider_unavailable",
    503,
    "Stripe could not be reached; retry the request (with the same Idempotency-Key)",
  );

/** Runs a call that talks to Stripe; Stripe being unavailable becomes a 503 for the caller. */
export async function withStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isStripeUnavailable(error)) throw paymentProviderUnavailable();
    throw error;
  }
}
