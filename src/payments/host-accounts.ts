// Hosts' Stripe Connect (Express) accounts: made once per host (the Stripe idempotency key is derived
// from the user id and a second call finds the stored account), onboarding links on PUBLIC_URL, and
// the stored flags brought up to the account's current state, read from Stripe under the row's lock
// (an event says that something changed, the account object says what is true now).
import type Stripe from "stripe";
import { type PaymentAccountFlags, paymentAccountReadiness } from "../domain/payment-account-status.ts";
import { AppError } from "../errors.ts";
import {
  findPaymentAccount,
  insertPaymentAccount,
  lockHostForAccountCreation,
  lockPaymentAccountByStripeId,
  type PaymentAccountRecord,
  updatePaymentAccountFlags,
} from "../storage/payment-accounts-repository.ts";
import { type Pool, type Queryable, withTransaction } from "../storage/postgres.ts";

/** The Stripe idempotency key of a host's account creation: one account per host, however often asked. */
export const accountCreationKey = (userId: string) => `host-${userId}-account`;

export function flagsOf(account: Stripe.Account): PaymentAccountFlags {
  return {
    chargesEnabled: account.charges_enabled ?? false,
    payoutsEnabled: account.payouts_enabled ?? false,
    detailsSubmitted: account.details_submitted ?? false,
    requirements: account.requirements?.currently_due ?? [],
  };
}

export interface PaymentAccountView {
  status: "none" | "onboarding" | "ready";
  stripeAccountId: string | null;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  detailsSubmitted: boolean;
  /** What stands between the account and ready, in words; empty when ready. */
  missing: string[];
  updatedAt: string | null;
}

export function paymentAccountView(record: PaymentAccountRecord | undefined): PaymentAccountView {
  const { status, missing } = paymentAccountReadiness(record);
  return {
    status,
    stripeAccountId: record?.stripeAccountId ?? null,
    chargesEnabled: record?.chargesEnabled ?? false,
    payoutsEnabled: record?.payoutsEnabled ?? false,
    detailsSubmitted: record?.detailsSubmitted ?? false,
    missing,
    updatedAt: record ? record.updatedAt.toISOString() : null,
  };
}

/**
 * The host's account when it is ready (it takes charges and can be paid out); else 409
 * `payment_account_not_ready`, naming what is missing.
 */
export async function readyPaymentAccount(db: Queryable, userId: string): Promise<PaymentAccountRecord> {
  const account = await findPaymentAccount(db, userId);
  const { status, missing } = paymentAccountReadiness(account);
  if (account && status === "ready") return account;
  throw new AppError(
    "payment_account_not_ready",
    409,
    `the host's payment account is not ready: ${missing.join("; ")} (onboard with POST /api/v1/hosts/me/payment-account)`,
    { status, missing },
  );
}

export interface OnboardingLink {
  url: string;
  /** ISO instant after which the link no longer works (a new POST makes a fresh one). */
  expiresAt: string;
}

export class HostPaymentAccounts {
  constructor(
    private readonly pool: Pool,
    private readonly stripe: Stripe,
    /** Where onboarding sends the host back (PUBLIC_URL). */
    private readonly publicUrl: string,
  ) {}

  async find(db: Queryable, userId: string): Promise<PaymentAccountRecord | undefined> {
    return findPaymentAccount(db, userId);
  }

  /**
   * The host's account, made at Stripe and stored the first time; its flags read again from Stripe
   * when it is not ready yet (a lost webhook does not leave it behind); and a fresh onboarding link.
   */
  async onboard(userId: string): Promise<{ account: PaymentAccountRecord; link: OnboardingLink }> {
    let account = await withTransaction(this.pool, async (tx) => {
      // Concurrent first calls of one host wait here: the second finds the first one's row.
      await lockHostForAccountCreation(tx, userId);
      const stored = await findPaymentAccount(tx, userId);
      if (stored) return stored;
      const created = await this.stripe.accounts.create(
        {
          type: "express",
          capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
          metadata: { userId },
        },
        { idempotencyKey: accountCreationKey(userId) },
      );
      return insertPaymentAccount(tx, userId, created.id, flagsOf(created));
    });
    if (paymentAccountReadiness(account).status !== "ready") {
      account = (await this.sync(account.stripeAccountId)) ?? account;
    }
    const link = await this.stripe.accountLinks.create({
      account: account.stripeAccountId,
      type: "account_onboarding",
      refresh_url: new URL("/?payment-account=refresh", this.publicUrl).toString(),
      return_url: new URL("/?payment-account=return", this.publicUrl).toString(),
    });
    return { account, link: { url: link.url, expiresAt: new Date(link.expires_at * 1000).toISOString() } };
  }

  /** Reads the account from Stripe and stores its flags, in a transaction of its own. */
  async sync(stripeAccountId: string): Promise<PaymentAccountRecord | undefined> {
    return withTransaction(this.pool, (tx) => syncPaymentAccount(tx, this.stripe, stripeAccountId));
  }
}

/**
 * Stores the current flags of a Stripe account in the caller's transaction: the row is locked first,
 * then the account read from Stripe, so of two syncs of one account the later reads the later state
 * and events handled in any order, or twice, end in the account's state. Undefined (nothing written)
 * for an account no host of ours holds.
 */
export async function syncPaymentAccount(
  tx: Queryable,
  stripe: Stripe,
  stripeAccountId: string,
): Promise<PaymentAccountRecord | undefined> {
  const row = await lockPaymentAccountByStripeId(tx, stripeAccountId);
  if (!row) return undefined;
  const account = await stripe.accounts.retrieve(stripeAccountId);
  return updatePaymentAccountFlags(tx, stripeAccountId, flagsOf(account));
}
