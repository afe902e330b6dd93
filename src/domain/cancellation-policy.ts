// What a cancelled booking gives back: the space's cancellation policy (a preset its host picks) turned
// into a refund in integer minor units and the tier that applied. Pure; the caller moves the money.
//
// The rule. Lead time = the booking's start − the moment of cancellation.
//  - The driver cancels: the policy's tiers, most generous first; a tier applies when the lead time is
//    at least its threshold (exactly on a threshold, the more generous tier). Below every threshold —
//    always once the stay has started — nothing is refunded.
//  - The host cancels: the driver gets everything back, whatever the policy or the time.
//  - The system ends it (a request expired or rejected, a payment that never came): nothing is charged,
//    so the whole amount is "refunded" (an authorization is released, nothing captured).
// Rounding: refund = ceil(amount × refund basis points / 10 000): a partial refund rounds up to the
// next minor unit in the driver's favour, so it is an integer in [0, amount], never more than was paid.
// What is retained = amount − refund, so refund + retained = amount exactly.
import { z } from "zod";
import type { Interval } from "./intervals.ts";
import { MS_PER_MINUTE } from "./intervals.ts";

export const cancellationPolicies = ["flexible", "moderate", "strict"] as const;
export const cancellationPolicySchema = z.enum(cancellationPolicies);
export type CancellationPolicy = (typeof cancellationPolicies)[number];

/** The policy of a space whose host picked none (parking_spaces.cancellation_policy's default). */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = "flexible";

export const cancellingParties = ["driver", "host", "system"] as const;
export type CancellingParty = (typeof cancellingParties)[number];

/** Which rule decided a refund. */
export type RefundTierName = "full" | "partial" | "none" | "host_cancelled" | "not_charged";

/** A driver's tier: cancelling at least `minLeadMinutes` before the start refunds `refundBasisPoints`. */
export interface RefundTier {
  readonly tier: "full" | "partial";
  readonly minLeadMinutes: number;
  readonly refundBasisPoints: number;
}

const HOUR = 60;
const DAY = 24 * HOUR;

/** Each policy's tiers, most generous (longest lead) first; below the last one, no refund. */
export const CANCELLATION_TIERS: Readonly<Record<CancellationPolicy, readonly RefundTier[]>> = Object.freeze({
  flexible: [
    { tier: "full", minLeadMinutes: 1 * DAY, refundBasisPoints: 10_000 },
    { tier: "partial", minLeadMinutes: 0, refundBasisPoints: 5_000 },
  ],
  moderate: [
    { tier: "full", minLeadMinutes: 5 * DAY, refundBasisPoints: 10_000 },
    { tier: "partial", minLeadMinutes: 1 * DAY, refundBasisPoints: 5_000 },
  ],
  strict: [{ tier: "partial", minLeadMinutes: 7 * DAY, refundBasisPoints: 5_000 }],
});

/** The booking as paid: its window (epoch ms) and total in minor units of its currency. */
export interface PaidBooking extends Interval {
  readonly totalAmount: number;
  readonly currency: string;
}

export interface CancellationRequest {
  readonly booking: PaidBooking;
  readonly policy: CancellationPolicy;
  readonly cancelledBy: CancellingParty;
  /** When the cancellation happens (epoch ms). */
  readonly at: number;
}

export interface RefundDecision {
  readonly tier: RefundTierName;
  /** The share refunded, in basis points of the total (10 000 = all of it). */
  readonly refundBasisPoints: number;
  /** Minor units given back to the driver: an integer in [0, totalAmount]. */
  readonly refund: number;
  /** Minor units kept (totalAmount − refund): what the platform fee and the host's earnings come from. */
  readonly retained: number;
  readonly currency: string;
  /** start − at, in ms (negative once the stay has started). */
  readonly leadMs: number;
}

/** The refund a cancellation earns under the space's policy. Bad input is a caller bug (RangeError). */
export function refundForCancellation(request: CancellationRequest): RefundDecision {
  const { booking, policy, cancelledBy, at } = request;
  assertBooking(booking);
  if (!Number.isFinite(at)) throw new RangeError("the cancellation time must be a finite epoch ms");
  const leadMs = booking.start - at;
  const decided = (tier: RefundTierName, refundBasisPoints: number): RefundDecision => {
    const refund = refundOf(booking.totalAmount, refundBasisPoints);
    return {
      tier,
      refundBasisPoints,
      refund,
      retained: booking.totalAmount - refund,
      currency: booking.currency,
      leadMs,
    };
  };
  switch (cancelledBy) {
    case "system":
      return decided("not_charged", 10_000);
    case "host":
      return decided("host_cancelled", 10_000);
    case "driver": {
      const tiers = CANCELLATION_TIERS[policy];
      if (tiers === undefined) throw new RangeError(`unknown cancellation policy: ${String(policy)}`);
      const tier = tiers.find((t) => leadMs >= t.minLeadMinutes * MS_PER_MINUTE);
      return tier ? decided(tier.tier, tier.refundBasisPoints) : decided("none", 0);
    }
    default:
      throw new RangeError(`unknown cancelling party: ${String(cancelledBy)}`);
  }
}

/** ceil(amount × bps / 10 000) in exact integer arithmetic (the product may pass 2^53). */
function refundOf(amount: number, basisPoints: number): number {
  const product = BigInt(amount) * BigInt(basisPoints);
  return Number((product + 9_999n) / 10_000n);
}

function assertBooking(booking: PaidBooking): void {
  if (!Number.isSafeInteger(booking.totalAmount) || booking.totalAmount < 0) {
    throw new RangeError("totalAmount must be a non-negative integer number of minor units");
  }
  if (!Number.isFinite(booking.start) || !Number.isFinite(booking.end) || !(booking.end > booking.start)) {
    throw new RangeError("a booking must end after it starts");
  }
  if (!/^[A-Z]{3}$/.test(booking.currency)) throw new RangeError("currency must be an ISO 4217 code");
}
