// Housekeeping the jobs worker runs on a schedule: forget expired idempotency keys and auth tokens,
// published outbox rows past their retention, and Stripe event ids past theirs.
import { deleteExpiredKeys } from "../storage/idempotency-repository.ts";
import { purgePublished } from "../storage/outbox-repository.ts";
import type { Queryable } from "../storage/postgres.ts";
import { purgeStripeEvents } from "../storage/stripe-events-repository.ts";

export const MAINTENANCE_QUEUE = "maintenance";
export const PURGE_EXPIRED_JOB = "purge-expired";

export interface PurgeOptions {
  /** Days published outbox rows and their handlers' effect records are kept. */
  readonly outboxRetentionDays: number;
}

export async function purgeExpired(db: Queryable, options: PurgeOptions) {
  const idempotencyKeys = await deleteExpiredKeys(db);
  // Keep a week of expired refresh tokens so a late reuse is still recognised as reuse.
  const refreshTokens = await db.query(
    `delete from refresh_tokens where expires_at < now() - interval '7 days'`,
  );
  const emailTokens = await db.query(`delete from email_tokens where expires_at < now()`);
  const outbox = await purgePublished(db, options.outboxRetentionDays);
  const stripeEvents = await purgeStripeEvents(db);
  return {
    idempotencyKeys,
    refreshTokens: refreshTokens.rowCount ?? 0,
    emailTokens: emailTokens.rowCount ?? 0,
    outboxRows: outbox.outbox,
    processedEvents: outbox.processedEvents,
    stripeEvents,
  };
}
