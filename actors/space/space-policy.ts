// Deployment-wide settings the space actor decides with: the host's approval window, the payment
// window, whether requests wait for a payment authorization, the platform fee, and how far ahead a
// booking may start.
import { z } from "zod";
import type { Config } from "../../src/config/index.ts";
import { DEFAULT_BOOKING_HORIZON_DAYS } from "../../src/domain/index.ts";

/** Card authorizations last 7 days; an approval deadline must end well before that (at most 6 days). */
export const MAX_APPROVAL_WINDOW_MINUTES = 6 * 24 * 60;

export const spacePolicySchema = z.strictObject({
  approvalWindowMinutes: z.number().int().min(1).max(MAX_APPROVAL_WINDOW_MINUTES),
  paymentWindowMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  /** True once payments exist: a request holds its slot in awaiting_payment until authorized. */
  paymentRequired: z.boolean(),
  feeBasisPoints: z.number().int().min(0).max(10_000),
  /** A request may start at most this many days after it is decided (422 beyond_horizon). */
  horizonDays: z.number().int().min(1).max(3650),
});

export type SpacePolicy = z.infer<typeof spacePolicySchema>;

export const DEFAULT_SPACE_POLICY: SpacePolicy = Object.freeze({
  approvalWindowMinutes: 24 * 60,
  paymentWindowMinutes: 15,
  paymentRequired: false,
  feeBasisPoints: 1000,
  horizonDays: DEFAULT_BOOKING_HORIZON_DAYS,
});

/** The policy a deployment runs with: requests wait for a card authorization when payments are on. */
export function spacePolicyFromConfig(config: Config): SpacePolicy {
  return spacePolicySchema.parse({
    approvalWindowMinutes: config.BOOKING_APPROVAL_WINDOW_MINUTES,
    paymentWindowMinutes: config.BOOKING_PAYMENT_WINDOW_MINUTES,
    paymentRequired: config.PAYMENTS_ENABLED,
    feeBasisPoints: config.PLATFORM_FEE_BASIS_POINTS,
    horizonDays: config.BOOKING_HORIZON_DAYS,
  });
}
