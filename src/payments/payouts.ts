// Hosts' payouts from their connected accounts. A payout row is written first; its id keys the
// Stripe call (`payout-<id>`), and a request's Idempotency-Key names the row (its id is derived from
// host and key), so a retry after an answer that was lost or failed finds the same row and repeats the
// same Stripe call, which Stripe answers from its own record: one payout however often it is asked.
import { createHash, randomUUID } from "node:crypto";
import Stripe from "stripe";
import { AppError } from "../errors.ts";
import {
  completePayout,
  insertOrFindPayout,
  type PayoutRecord,
  type PayoutStatus,
} from "../storage/payouts-repository.ts";
import type { Pool } from "../storage/postgres.ts";
import { readyPaymentAccount } from "./host-accounts.ts";
import { isStripeUnavailable, paymentProviderUnavailable } from "./stripe-errors.ts";

export const payoutStripeKey = (payoutId: string) => `payout-${payoutId}`;

/** A uuid (version 8: our own derivation) for the payout a host's Idempotency-Key names. */
export function payoutIdFor(hostId: string, idempotencyKey: string): string {
  const hex = createHash("sha256").update(`payout\0${hostId}\0${idempotencyKey}`).digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const PAYOUT_STATUSES = new Set<string>(["pending", "paid", "in_transit", "canceled", "failed"]);

export class HostPayouts {
  constructor(
    private readonly pool: Pool,
    private readonly stripe: Stripe,
  ) {}

  async create(
    hostId: string,
    request: { amount: number; currency: string },
    idempotencyKey: string | undefined,
  ): Promise<PayoutRecord> {
    const account = await readyPaymentAccount(this.pool, hostId);
    const id = idempotencyKey === undefined ? randomUUID() : payoutIdFor(hostId, idempotencyKey);
    const row = await insertOrFindPayout(this.pool, {
      id,
      hostId,
      stripeAccountId: account.stripeAccountId,
      amount: request.amount,
      currency: request.currency,
    });
    if (!row) throw new AppError("conflict", 409, "this payout cannot be made");
    if (row.payout.status !== "pending") return row.payout;
    const { payout } = row;
    let answered: Stripe.Payout;
    try {
      answered = await this.stripe.payouts.create(
        {
          amount: payout.amount,
          currency: payout.currency.toLowerCase(),
          metadata: { payoutId: payout.id, hostId },
        },
        { stripeAccount: payout.stripeAccountId, idempotencyKey: payoutStripeKey(payout.id) },
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        await completePayout(this.pool, payout.id, {
          stripePayoutId: null,
          status: "failed",
          arrivalAt: null,
          failureMessage: error.message,
        });
        throw new AppError("payout_refused", 409, `Stripe refused the payout: ${error.message}`, {
          stripeCode: error.code ?? null,
        });
      }
      // The row stays pending: a retry with the same Idempotency-Key asks Stripe again under the same key.
      if (isStripeUnavailable(error)) throw paymentProviderUnavailable();
      throw error;
    }
    return completePayout(this.pool, payout.id, {
      stripePayoutId: answered.id,
      status: (PAYOUT_STATUSES.has(answered.status) ? answered.status : "pending") as PayoutStatus,
      arrivalAt: answered.arrival_date ? new Date(answered.arrival_date * 1000) : null,
      failureMessage: answered.failure_message ?? null,
    });
  }
}
