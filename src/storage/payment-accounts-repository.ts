// The one door to hosts' Stripe Connect accounts (host_payment_accounts): find a host's, lock it for
// a change, store a new one, and write the flags Stripe answered for it.
import type { PaymentAccountFlags } from "../domain/payment-account-status.ts";
import type { Queryable } from "./postgres.ts";

export interface PaymentAccountRecord extends PaymentAccountFlags {
  userId: string;
  stripeAccountId: string;
  updatedAt: Date;
}

const COLUMNS = `user_id as "userId", stripe_account_id as "stripeAccountId",
  charges_enabled as "chargesEnabled", payouts_enabled as "payoutsEnabled",
  details_submitted as "detailsSubmitted", requirements, updated_at as "updatedAt"`;

export async function findPaymentAccount(
  db: Queryable,
  userId: string,
): Promise<PaymentAccountRecord | undefined> {
  const { rows } = await db.query<PaymentAccountRecord>(
    `select ${COLUMNS} from host_payment_accounts where user_id = $1`,
    [userId],
  );
  return rows[0];
}

/**
 * Locks the row of a Stripe account for the caller's transaction: the account is read from Stripe and
 * written while it is held, so two updates of one account run one after the other and the later one
 * reads the later state.
 */
export async function lockPaymentAccountByStripeId(
  db: Queryable,
  stripeAccountId: string,
): Promise<PaymentAccountRecord | undefined> {
  const { rows } = await db.query<PaymentAccountRecord>(
    `select ${COLUMNS} from host_payment_accounts where stripe_account_id = $1 for update`,
    [stripeAccountId],
  );
  return rows[0];
}

/** Serializes the creation of one host's account (a transaction-scoped advisory lock on the user id). */
export async function lockHostForAccountCreation(db: Queryable, userId: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtextextended('host_payment_account:' || $1, 0))`, [
    userId,
  ]);
}

export async function insertPaymentAccount(
  db: Queryable,
  userId: string,
  stripeAccountId: string,
  flags: PaymentAccountFlags,
): Promise<PaymentAccountRecord> {
  const { rows } = await db.query<PaymentAccountRecord>(
    `insert into host_payment_accounts
       (user_id, stripe_account_id, charges_enabled, payouts_enabled, details_submitted, requirements)
     values ($1, $2, $3, $4, $5, $6)
     returning ${COLUMNS}`,
    [
      userId,
      stripeAccountId,
      flags.chargesEnabled,
      flags.payoutsEnabled,
      flags.detailsSubmitted,
      flags.requirements,
    ],
  );
  return rows[0]!;
}

export async function updatePaymentAccountFlags(
  db: Queryable,
  stripeAccountId: string,
  flags: PaymentAccountFlags,
): Promise<PaymentAccountRecord | undefined> {
  const { rows } = await db.query<PaymentAccountRecord>(
    `update host_payment_accounts
        set charges_enabled = $2, payouts_enabled = $3, details_submitted = $4, requirements = $5,
            updated_at = now()
      where stripe_account_id = $1
      returning ${COLUMNS}`,
    [stripeAccountId, flags.chargesEnabled, flags.payoutsEnabled, flags.detailsSubmitted, flags.requirements],
  );
  return rows[0];
}
