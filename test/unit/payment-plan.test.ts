// What a paid booking's money does next (nextPaymentStep): the table of booking status × intent status,
// and properties over generated lead times, policies, cancelling parties and amounts: the refund a
// cancelled booking gets is the cancellation policy's, less what went back already, so refunding step
// by step ends on exactly the policy's figure, and a capture never happens for a booking that is not
// confirmed.
import fc from "fast-check";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import {
  type CancellationPolicy,
  type CancellingParty,
  cancellationPolicies,
  cancellingParties,
  refundForCancellation,
} from "../../src/domain/cancellation-policy.ts";
import { type BookingStatus, MS_PER_MINUTE } from "../../src/domain/index.ts";
import {
  nextPaymentStep,
  type PlannedBooking,
  type PlannedIntent,
  type PlannedPayment,
} from "../../src/payments/payment-plan.ts";

const HOUR_MS = 60 * MS_PER_MINUTE;
const START = Date.parse("2027-03-10T09:00:00Z");

const booking = (
  status: BookingStatus,
  cancellation: PlannedBooking["cancellation"] = null,
): PlannedBooking => ({
  status,
  start: START,
  end: START + 2 * HOUR_MS,
  currency: "EUR",
  cancellation,
});
const payment = (
  captured: number,
  refunded = 0,
  policy: CancellationPolicy = "flexible",
): PlannedPayment => ({
  purpose: "booking",
  cancellationPolicy: policy,
  capturedAmount: captured,
  refundedAmount: refunded,
});
const intent = (status: Stripe.PaymentIntent.Status, lastErrorCode: string | null = null): PlannedIntent => ({
  status,
  lastErrorCode,
});

const BOOKING_STATUSES: BookingStatus[] = [
  "awaiting_payment",
  "pending_approval",
  "confirmed",
  "active",
  "completed",
  "cancelled",
  "expired",
  "rejected",
  "payment_failed",
];
const INTENT_STATUSES: Stripe.PaymentIntent.Status[] = [
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "processing",
  "requires_capture",
  "canceled",
  "succeeded",
];

describe("nextPaymentStep: the table", () => {
  it("tells the actor an authorization's outcome only while the booking waits for payment", () => {
    expect(
      nextPaymentStep(booking("awaiting_payment"), payment(0), intent("requires_capture")),
    ).toMatchObject({
      kind: "tell",
      command: "paymentAuthorized",
    });
    expect(
      nextPaymentStep(
        booking("awaiting_payment"),
        payment(0),
        intent("requires_payment_method", "card_declined"),
      ),
    ).toMatchObject({ kind: "tell", command: "paymentFailed", reason: "card refused: card_declined" });
    expect(nextPaymentStep(booking("awaiting_payment"), payment(0), intent("canceled"))).toMatchObject({
      kind: "tell",
      command: "paymentFailed",
    });
    // Made but not yet confirmed: the driver's confirmation is still to come.
    expect(
      nextPaymentStep(booking("awaiting_payment"), payment(0), intent("requires_payment_method")),
    ).toEqual({
      kind: "none",
    });
    expect(nextPaymentStep(booking("awaiting_payment"), payment(0), null)).toEqual({ kind: "none" });
  });

  it("captures a held authorization once the booking is confirmed, and never before", () => {
    for (const status of ["confirmed", "active", "completed"] as const) {
      expect(nextPaymentStep(booking(status), payment(0), intent("requires_capture"))).toEqual({
        kind: "capture",
      });
      expect(nextPaymentStep(booking(status), payment(1000), intent("succeeded"))).toEqual({ kind: "none" });
    }
    // A request waiting for its host keeps the hold.
    expect(nextPaymentStep(booking("pending_approval"), payment(0), intent("requires_capture"))).toEqual({
      kind: "none",
    });
  });

  it("releases whatever is held or pending when the booking ends unused", () => {
    for (const status of ["cancelled", "expired", "rejected", "payment_failed"] as const) {
      for (const held of [
        "requires_capture",
        "requires_payment_method",
        "requires_confirmation",
        "processing",
      ] as const) {
        expect(nextPaymentStep(booking(status), payment(0), intent(held))).toEqual({ kind: "release" });
      }
      expect(nextPaymentStep(booking(status), payment(0), intent("canceled"))).toEqual({ kind: "none" });
    }
  });

  it("refunds a captured booking that a driver cancels as its policy says, less what went back", () => {
    const cancelled = booking("cancelled", { by: "driver", at: START - 2 * HOUR_MS });
    // flexible, 2 h before the start: half (rounded up for the driver).
    expect(nextPaymentStep(cancelled, payment(1001), intent("succeeded"))).toEqual({
      kind: "refund",
      amount: 501,
      tier: "partial",
    });
    expect(nextPaymentStep(cancelled, payment(1001, 500), intent("succeeded"))).toMatchObject({ amount: 1 });
    expect(nextPaymentStep(cancelled, payment(1001, 501), intent("succeeded"))).toEqual({ kind: "none" });
    // strict, 2 h before: nothing back.
    expect(nextPaymentStep(cancelled, payment(1001, 0, "strict"), intent("succeeded"))).toEqual({
      kind: "none",
    });
  });

  it("never captures for a booking that is not confirmed, active or completed", () => {
    const confirmedLike = new Set<BookingStatus>(["confirmed", "active", "completed"]);
    for (const status of BOOKING_STATUSES) {
      for (const s of INTENT_STATUSES) {
        const step = nextPaymentStep(booking(status, { by: "driver", at: START }), payment(0), intent(s));
        if (step.kind === "capture") expect(confirmedLike.has(status)).toBe(true);
      }
    }
  });
});

/** The policy's refund of a two-hour booking of `captured` cancelled by `by` at `at`. */
const policyRefund = (captured: number, policy: CancellationPolicy, by: CancellingParty, at: number) =>
  refundForCancellation({
    booking: { start: START, end: START + 2 * HOUR_MS, totalAmount: captured, currency: "EUR" },
    policy,
    cancelledBy: by,
    at,
  });

const leadMs = fc.oneof(
  // Minutes from 30 days after the start to 60 days before it, plus milliseconds (fc.integer is 32-bit).
  fc
    .tuple(
      fc.integer({ min: -30 * 24 * 60, max: 60 * 24 * 60 }),
      fc.integer({ min: 0, max: MS_PER_MINUTE - 1 }),
    )
    .map(([minutes, ms]) => minutes * MS_PER_MINUTE + ms),
  // Near the tiers' edges, where rounding of the lead time would show.
  fc
    .constantFrom(0, 24, 48, 7 * 24, 5 * 24, 14 * 24)
    .chain((h) => fc.integer({ min: -2, max: 2 }).map((d) => h * HOUR_MS + d)),
);

describe("nextPaymentStep: refunds match the cancellation policy (properties)", () => {
  it("a cancelled, captured payment is refunded the policy's amount less what went back, and only up to it", () => {
    fc.assert(
      fc.property(
        leadMs,
        fc.constantFrom(...cancellationPolicies),
        fc.constantFrom<CancellingParty>(...cancellingParties.filter((p) => p !== "system")),
        fc.integer({ min: 1, max: 5_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lead, policy, by, captured, share) => {
          const at = START - lead;
          const expected = policyRefund(captured, policy, by, at);
          const already = Math.floor(expected.refund * share);
          const step = nextPaymentStep(
            booking("cancelled", { by, at }),
            payment(captured, already, policy),
            intent("succeeded"),
          );
          if (expected.refund - already > 0) {
            expect(step).toEqual({ kind: "refund", amount: expected.refund - already, tier: expected.tier });
          } else {
            expect(step).toEqual({ kind: "none" });
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("doing each step it asks for ends with exactly the policy's refund, whatever was refunded before", () => {
    fc.assert(
      fc.property(
        leadMs,
        fc.constantFrom(...cancellationPolicies),
        fc.constantFrom<CancellingParty>("driver", "host"),
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.integer({ min: 1, max: 1_000 }), { maxLength: 4 }),
        (lead, policy, by, captured, earlier) => {
          const at = START - lead;
          const target = policyRefund(captured, policy, by, at).refund;
          // Refunds already made (e.g. an admin's goodwill), never past what the policy gives.
          let refunded = Math.min(
            target,
            earlier.reduce((a, b) => a + b, 0),
          );
          for (let steps = 0; steps < 5; steps += 1) {
            const step = nextPaymentStep(
              booking("cancelled", { by, at }),
              payment(captured, refunded, policy),
              intent("succeeded"),
            );
            if (step.kind === "none") break;
            expect(step.kind).toBe("refund");
            if (step.kind === "refund") refunded += step.amount;
          }
          expect(refunded).toBe(target);
          expect(refunded).toBeLessThanOrEqual(captured);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("a booking ended by the system (expired, rejected, unpaid) that was somehow captured gives all back", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BookingStatus>("expired", "rejected", "payment_failed"),
        fc.constantFrom(...cancellationPolicies),
        fc.integer({ min: 1, max: 5_000_000 }),
        (status, policy, captured) => {
          expect(nextPaymentStep(booking(status), payment(captured, 0, policy), intent("succeeded"))).toEqual(
            {
              kind: "refund",
              amount: captured,
              tier: "not_charged",
            },
          );
        },
      ),
    );
  });
});
