// What a paid booking's money must do next, from where the booking stands (the ledger) and where its
// PaymentIntent stands (Stripe): tell the space's actor the authorization's outcome, capture, release,
// refund under the cancellation policy, or nothing. Pure: the same two states give the same step
// whatever order the events that led there came in, so webhooks and booking events may arrive late,
// twice or out of order. The caller does the step with a Stripe idempotency key derived from the
// payment and the step, so doing it twice moves money once.
//
// The rule:
//  - awaiting_payment: an authorization that holds → paymentAuthorized; a refused card (or an intent
//    cancelled) → paymentFailed.
//  - pending_approval (a request waiting for its host): the authorization is held; nothing.
//  - confirmed, active, completed: an authorization still held is captured (never before: no capture
//    without a confirmed booking).
//  - cancelled, expired, rejected, payment_failed: an authorization still held (or an intent never
//    confirmed) is released; money captured is refunded as the policy says for who cancelled and when
//    (a booking that ended unconfirmed was never captured; if it were, all of it goes back).
import type Stripe from "stripe";
import {
  type CancellationPolicy,
  type CancellingParty,
  refundForCancellation,
} from "../domain/cancellation-policy.ts";
import type { BookingStatus } from "../domain/index.ts";

/** The booking as the ledger has it, with how it was cancelled when it was. */
export interface PlannedBooking {
  readonly status: BookingStatus;
  readonly start: number;
  readonly end: number;
  readonly currency: string;
  /** Set when status is cancelled: who cancelled and when (epoch ms). */
  readonly cancellation: { readonly by: CancellingParty; readonly at: number } | null;
}

/** One payment row's money: what was captured and refunded so far (from the intent's charge). */
export interface PlannedPayment {
  readonly purpose: string;
  readonly cancellationPolicy: CancellationPolicy;
  readonly capturedAmount: number;
  readonly refundedAmount: number;
}

/** The intent as Stripe has it (null: the intent was never made, or its id was lost before it was kept). */
export interface PlannedIntent {
  readonly status: Stripe.PaymentIntent.Status;
  /** The code of the last refused confirmation, if the card was refused. */
  readonly lastErrorCode: string | null;
}

export type PaymentStep =
  | { readonly kind: "none" }
  | {
      readonly kind: "tell";
      readonly command: "paymentAuthorized" | "paymentFailed";
      readonly reason: string;
    }
  | { readonly kind: "capture" }
  | { readonly kind: "release" }
  | {
      readonly kind: "refund";
      /** Minor units still to refund (the policy's total for this payment less what went back already). */
      readonly amount: number;
      readonly tier: string;
    };

const NONE: PaymentStep = { kind: "none" };

/** Intent statuses in which money is held or may yet be: releasing cancels them. */
const RELEASABLE: ReadonlySet<Stripe.PaymentIntent.Status> = new Set([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "requires_capture",
  "processing",
]);

const SETTLED: ReadonlySet<BookingStatus> = new Set(["confirmed", "active", "completed"]);

export function nextPaymentStep(
  booking: PlannedBooking,
  payment: PlannedPayment,
  intent: PlannedIntent | null,
): PaymentStep {
  if (intent === null) return NONE;
  const { status } = booking;
  if (status === "awaiting_payment") {
    if (intent.status === "requires_capture") {
      return { kind: "tell", command: "paymentAuthorized", reason: "card authorized" };
    }
    if (intent.status === "canceled") {
      return { kind: "tell", command: "paymentFailed", reason: "the payment was cancelled" };
    }
    if (intent.status === "requires_payment_method" && intent.lastErrorCode !== null) {
      return { kind: "tell", command: "paymentFailed", reason: `card refused: ${intent.lastErrorCode}` };
    }
    return NONE;
  }
  if (status === "pending_approval") return NONE;
  if (SETTLED.has(status)) return intent.status === "requires_capture" ? { kind: "capture" } : NONE;
  // The booking has ended without being used (cancelled, expired, rejected, unpaid).
  if (RELEASABLE.has(intent.status)) return { kind: "release" };
  if (intent.status !== "succeeded" || payment.capturedAmount === 0) return NONE;
  const party: CancellingParty =
    status === "cancelled" && booking.cancellation !== null ? booking.cancellation.by : "system";
  const decision = refundForCancellation({
    booking: {
      start: booking.start,
      end: booking.end,
      totalAmount: payment.capturedAmount,
      currency: booking.currency,
    },
    policy: payment.cancellationPolicy,
    cancelledBy: party,
    at: booking.cancellation?.at ?? booking.start,
  });
  const amount = decision.refund - payment.refundedAmount;
  return amount > 0 ? { kind: "refund", amount, tier: decision.tier } : NONE;
}
