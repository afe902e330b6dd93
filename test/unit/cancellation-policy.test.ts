// The cancellation policy: each preset's tiers worked through, and properties over generated lead
// times, amounts and policies (bounded, monotone in lead time, host and system always give all back,
// tiers exact at their boundaries, presets ordered from flexible to strict).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CANCELLATION_TIERS,
  type CancellationPolicy,
  type CancellingParty,
  cancellationPolicies,
  cancellationPolicySchema,
  DEFAULT_CANCELLATION_POLICY,
  MS_PER_MINUTE,
  type PaidBooking,
  refundForCancellation,
} from "../../src/domain/index.ts";

const HOUR_MS = 60 * MS_PER_MINUTE;
const DAY_MS = 24 * HOUR_MS;
const START = Date.parse("2027-03-10T09:00:00Z");
const booking: PaidBooking = { start: START, end: START + 3 * HOUR_MS, totalAmount: 1001, currency: "EUR" };

const refund = (policy: CancellationPolicy, leadMs: number, by: CancellingParty = "driver", paid = booking) =>
  refundForCancellation({ booking: paid, policy, cancelledBy: by, at: paid.start - leadMs });

describe("refundForCancellation: the presets", () => {
  it("flexible: all until 24 h before the start, half until the start, nothing after", () => {
    expect(refund("flexible", 3 * DAY_MS)).toMatchObject({ tier: "full", refund: 1001, retained: 0 });
    expect(refund("flexible", DAY_MS)).toMatchObject({ tier: "full", refund: 1001 });
    expect(refund("flexible", DAY_MS - 1)).toMatchObject({ tier: "partial", refund: 501, retained: 500 });
    expect(refund("flexible", 0)).toMatchObject({ tier: "partial", refund: 501 });
    expect(refund("flexible", -1)).toMatchObject({ tier: "none", refund: 0, retained: 1001 });
    expect(refund("flexible", -10 * DAY_MS)).toMatchObject({ tier: "none", refund: 0 });
  });

  it("moderate: all until 5 days before, half until 24 h before, nothing after", () => {
    expect(refund("moderate", 5 * DAY_MS)).toMatchObject({ tier: "full", refund: 1001 });
    expect(refund("moderate", 5 * DAY_MS - 1)).toMatchObject({ tier: "partial", refund: 501 });
    expect(refund("moderate", DAY_MS)).toMatchObject({ tier: "partial", refund: 501 });
    expect(refund("moderate", DAY_MS - 1)).toMatchObject({ tier: "none", refund: 0 });
    expect(refund("moderate", 0)).toMatchObject({ tier: "none", refund: 0 });
  });

  it("strict: half until 7 days before, nothing after", () => {
    expect(refund("strict", 30 * DAY_MS)).toMatchObject({ tier: "partial", refund: 501 });
    expect(refund("strict", 7 * DAY_MS)).toMatchObject({ tier: "partial", refund: 501 });
    expect(refund("strict", 7 * DAY_MS - 1)).toMatchObject({ tier: "none", refund: 0 });
  });

  it("a host's cancellation refunds all, the system's charges nothing, under every policy", () => {
    for (const policy of cancellationPolicies) {
      expect(refund(policy, -HOUR_MS, "host")).toMatchObject({
        tier: "host_cancelled",
        refund: 1001,
        retained: 0,
      });
      expect(refund(policy, -HOUR_MS, "system")).toMatchObject({
        tier: "not_charged",
        refund: 1001,
        retained: 0,
      });
    }
  });

  it("rounds a partial refund up to the minor unit, and carries the currency and lead time", () => {
    const odd = { ...booking, totalAmount: 1, currency: "JPY" };
    expect(refund("flexible", HOUR_MS, "driver", odd)).toEqual({
      tier: "partial",
      refundBasisPoints: 5000,
      refund: 1,
      retained: 0,
      currency: "JPY",
      leadMs: HOUR_MS,
    });
    expect(refund("strict", 8 * DAY_MS, "driver", { ...booking, totalAmount: 0 })).toMatchObject({
      refund: 0,
      retained: 0,
    });
  });

  it("refuses what is not a booking, a policy or a party (a caller bug)", () => {
    expect(() => refund("flexible", 0, "driver", { ...booking, totalAmount: -1 })).toThrow(RangeError);
    expect(() => refund("flexible", 0, "driver", { ...booking, totalAmount: 1.5 })).toThrow(RangeError);
    expect(() => refund("flexible", 0, "driver", { ...booking, end: booking.start })).toThrow(RangeError);
    expect(() => refund("flexible", 0, "driver", { ...booking, currency: "eur" })).toThrow(RangeError);
    expect(() => refund("lenient" as CancellationPolicy, 0)).toThrow(RangeError);
    expect(() => refund("flexible", 0, "admin" as CancellingParty)).toThrow(RangeError);
    expect(() =>
      refundForCancellation({ booking, policy: "flexible", cancelledBy: "driver", at: Number.NaN }),
    ).toThrow(RangeError);
  });

  it("names the presets the ledger accepts, flexible by default", () => {
    expect(DEFAULT_CANCELLATION_POLICY).toBe("flexible");
    expect(cancellationPolicySchema.safeParse("moderate").success).toBe(true);
    expect(cancellationPolicySchema.safeParse("lenient").success).toBe(false);
  });
});

describe("refundForCancellation: properties", () => {
  const policy = fc.constantFrom(...cancellationPolicies);
  const amount = fc.oneof(
    fc.integer({ min: 0, max: 1_000_000 }),
    fc.maxSafeInteger().filter((n) => n >= 0),
  );
  const thresholdsMs = [
    ...new Set(
      Object.values(CANCELLATION_TIERS).flatMap((tiers) =>
        tiers.map((t) => t.minLeadMinutes * MS_PER_MINUTE),
      ),
    ),
  ];
  // Lead times anywhere from well after the start to a year before it, and right on each threshold.
  const lead = fc.oneof(
    fc.integer({ min: -30 * DAY_MS, max: 366 * DAY_MS }),
    fc.tuple(fc.constantFrom(...thresholdsMs), fc.integer({ min: -2, max: 2 })).map(([t, d]) => t + d),
  );
  const paid = amount.map((totalAmount) => ({ ...booking, totalAmount }));

  it("refunds an integer between nothing and everything paid; refund + retained = paid", () => {
    fc.assert(
      fc.property(
        policy,
        lead,
        paid,
        fc.constantFrom(...(["driver", "host", "system"] as const)),
        (p, l, b, by) => {
          const d = refund(p, l, by, b);
          expect(Number.isSafeInteger(d.refund)).toBe(true);
          expect(d.refund).toBeGreaterThanOrEqual(0);
          expect(d.refund).toBeLessThanOrEqual(b.totalAmount);
          expect(d.refund + d.retained).toBe(b.totalAmount);
          const exact = (BigInt(b.totalAmount) * BigInt(d.refundBasisPoints) + 9_999n) / 10_000n; // ceil
          expect(BigInt(d.refund)).toBe(exact);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("never refunds less for cancelling earlier", () => {
    fc.assert(
      fc.property(policy, lead, lead, paid, (p, a, b, booked) => {
        const [later, earlier] = a <= b ? [a, b] : [b, a];
        expect(refund(p, later, "driver", booked).refund).toBeLessThanOrEqual(
          refund(p, earlier, "driver", booked).refund,
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("gives everything back when the host cancels or the system ends the booking", () => {
    fc.assert(
      fc.property(policy, lead, paid, fc.constantFrom(...(["host", "system"] as const)), (p, l, b, by) => {
        const d = refund(p, l, by, b);
        expect(d.refund).toBe(b.totalAmount);
        expect(d.retained).toBe(0);
        expect(d.tier).toBe(by === "host" ? "host_cancelled" : "not_charged");
      }),
      { numRuns: 1000 },
    );
  });

  it("applies each tier from exactly its threshold, and the next one from a millisecond later", () => {
    fc.assert(
      fc.property(policy, paid, (p, b) => {
        const tiers = CANCELLATION_TIERS[p];
        tiers.forEach((tier, i) => {
          const at = refund(p, tier.minLeadMinutes * MS_PER_MINUTE, "driver", b);
          expect(at.tier).toBe(tier.tier);
          expect(at.refundBasisPoints).toBe(tier.refundBasisPoints);
          const below = refund(p, tier.minLeadMinutes * MS_PER_MINUTE - 1, "driver", b);
          const next = tiers[i + 1];
          expect(below.tier).toBe(next ? next.tier : "none");
          expect(below.refundBasisPoints).toBe(next ? next.refundBasisPoints : 0);
        });
      }),
    );
  });

  it("orders the presets: flexible never refunds less than moderate, moderate never less than strict", () => {
    fc.assert(
      fc.property(lead, paid, (l, b) => {
        const [flexible, moderate, strict] = (["flexible", "moderate", "strict"] as const).map(
          (p) => refund(p, l, "driver", b).refund,
        );
        expect(flexible).toBeGreaterThanOrEqual(moderate!);
        expect(moderate).toBeGreaterThanOrEqual(strict!);
      }),
      { numRuns: 2000 },
    );
  });

  it("refunds nothing to a driver once the stay has started, whatever the policy", () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 30 * DAY_MS }), paid, (p, late, b) => {
        expect(refund(p, -late, "driver", b)).toMatchObject({
          tier: "none",
          refund: 0,
          retained: b.totalAmount,
        });
      }),
    );
  });
});
