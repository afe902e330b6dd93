// Whether a host can be paid: the status of a host's Stripe Connect account from its flags, and what
// stands between it and ready, in words a host reads. A pure rule: the routes, the publishing check
// and the payouts all ask it.

export type PaymentAccountStatus = "none" | "onboarding" | "ready";

export interface PaymentAccountFlags {
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** What Stripe still wants (its requirements.currently_due), e.g. `external_account`. */
  requirements: readonly string[];
}

export interface PaymentAccountReadiness {
  status: PaymentAccountStatus;
  /** Empty when ready. */
  missing: string[];
}

/** Ready = Stripe lets the account take charges and be paid out; anything short of that is onboarding. */
export function paymentAccountReadiness(account: PaymentAccountFlags | undefined): PaymentAccountReadiness {
  if (!account) return { status: "none", missing: ["a Stripe payment account (onboarding not started)"] };
  const missing: string[] = [];
  if (!account.chargesEnabled) missing.push("charges not enabled");
  if (!account.payoutsEnabled) missing.push("payouts not enabled");
  if (missing.length > 0) {
    if (!account.detailsSubmitted) missing.push("onboarding details not submitted");
    for (const requirement of account.requirements) missing.push(`Stripe requires ${requirement}`);
  }
  return { status: missing.length === 0 ? "ready" : "onboarding", missing };
}
