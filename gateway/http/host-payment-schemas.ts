// OpenAPI-described schemas of hosts' payment accounts, payouts and Stripe's webhook events.
import { z } from "@hono/zod-openapi";
import { isCurrencyCode } from "../../src/domain/locale-codes.ts";
import { entityId } from "./schemas.ts";

export const PaymentAccountSchema = z
  .object({
    status: z.enum(["none", "onboarding", "ready"]).openapi({
      description:
        "none: no account yet; onboarding: made, but Stripe does not yet let it take charges and be paid out; ready: both",
    }),
    stripeAccountId: z.string().nullable(),
    chargesEnabled: z.boolean(),
    payoutsEnabled: z.boolean(),
    detailsSubmitted: z.boolean(),
    missing: z.array(z.string()).openapi({ description: "what stands between the account and ready" }),
    updatedAt: z.string().nullable(),
  })
  .openapi("PaymentAccount");

export const PaymentAccountOnboardingSchema = z
  .object({
    account: PaymentAccountSchema,
    onboardingUrl: z
      .string()
      .openapi({ description: "Stripe's onboarding page for this account; works once" }),
    onboardingExpiresAt: z.string().openapi({ description: "after this, POST again for a fresh link" }),
  })
  .openapi("PaymentAccountOnboarding");

/** Stripe's largest payout amount in most currencies' minor units. */
export const MAX_PAYOUT_AMOUNT = 99_999_999;

export const PayoutCreate = z
  .strictObject({
    amount: z
      .number()
      .int()
      .min(1)
      .max(MAX_PAYOUT_AMOUNT)
      .openapi({ description: "minor units of the currency (cents for EUR)", example: 5000 }),
    currency: z
      .string()
      .refine(isCurrencyCode, "must be an ISO 4217 code such as EUR")
      .openapi({ example: "EUR" }),
  })
  .openapi("PayoutCreate");

export const PayoutSchema = z
  .object({
    id: z.uuid(),
    hostId: z.uuid(),
    stripePayoutId: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(["pending", "paid", "in_transit", "canceled", "failed"]),
    failureMessage: z.string().nullable(),
    arrivalAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Payout");

export const PayoutListSchema = z
  .object({ payouts: z.array(PayoutSchema), nextCursor: z.string().nullable() })
  .openapi("PayoutList");

export const PayoutListQuery = z.strictObject({
  hostId: z.uuid().optional().openapi({ description: "admins only: one host's payouts" }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});

export const PayoutParams = z.strictObject({ id: entityId() });

/** Where Stripe delivers its events (the gateway's full path). */
export const STRIPE_WEBHOOK_PATH = "/api/v1/webhooks/stripe";

/** The largest webhook body taken (Stripe's events are a few kilobytes; an account or intent tens). */
export const STRIPE_WEBHOOK_MAX_BYTES = 512 * 1024;

export const StripeEventSchema = z
  .looseObject({
    id: z.string().min(1).max(255),
    object: z.literal("event"),
    type: z.string().min(1).max(255),
    data: z.looseObject({ object: z.looseObject({}) }),
  })
  .openapi("StripeEvent", { description: "A Stripe event, as Stripe sends it (signed)" });

export const StripeSignatureHeaders = z.object({
  "stripe-signature": z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: "t=<unix>,v1=<HMAC-SHA256 of 't.body' under the endpoint's secret>" }),
});
