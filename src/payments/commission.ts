// The platform's commission on a booking, from its payments: each payment's application fee is earned
// in proportion to what the payment kept (captured less refunded), rounded down (a part of a minor
// unit goes to the host); refunds made with `refund_application_fee` give the rest of the fee back.
// What the host earns is what was kept less the commission. Pure.
export interface CommissionPayment {
  readonly applicationFee: number;
  readonly capturedAmount: number;
  readonly refundedAmount: number;
  readonly status: string;
}

export interface Commission {
  readonly retainedAmount: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
  readonly status: "pending" | "earned" | "refunded" | "none";
}

export function commissionOf(payments: readonly CommissionPayment[]): Commission {
  let retained = 0;
  let fee = 0;
  let captured = 0;
  for (const p of payments) {
    if (p.capturedAmount === 0) continue;
    const kept = p.capturedAmount - p.refundedAmount;
    captured += p.capturedAmount;
    retained += kept;
    fee += Number((BigInt(p.applicationFee) * BigInt(kept)) / BigInt(p.capturedAmount));
  }
  const held = payments.some((p) => p.status === "authorized" || p.status === "creating");
  const status = captured > 0 ? (retained === 0 ? "refunded" : "earned") : held ? "pending" : "none";
  return { retainedAmount: retained, platformFee: fee, hostEarnings: retained - fee, status };
}
