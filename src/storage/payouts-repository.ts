// The one door to hosts' payouts: a payout row is written before Stripe is asked (its id keys the
// Stripe call), then completed with Stripe's answer; read one, or a newest-first page.
import { afterCursor, cursorAtColumn, cutPage, type NewestFirstCursor } from "./newest-first-page.ts";
import type { Queryable } from "./postgres.ts";

export type PayoutStatus = "pending" | "paid" | "in_transit" | "canceled" | "failed";

export interface PayoutRecord {
  id: string;
  hostId: string;
  stripeAccountId: string;
  stripePayoutId: string | null;
  amount: number;
  currency: string;
  status: PayoutStatus;
  failureMessage: string | null;
  arrivalAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `p.id, p.host_id as "hostId", p.stripe_account_id as "stripeAccountId",
  p.stripe_payout_id as "stripePayoutId", p.amount::float8 as amount, p.currency, p.status,
  p.failure_message as "failureMessage", p.arrival_at as "arrivalAt", p.created_at as "createdAt",
  p.updated_at as "updatedAt"`;

/** Inserts a pending payout, or finds the one of that id (a retried request); undefined if another host's. */
export async function insertOrFindPayout(
  db: Queryable,
  payout: { id: string; hostId: string; stripeAccountId: string; amount: number; currency: string },
): Promise<{ payout: PayoutRecord; created: boolean } | undefined> {
  const inserted = await db.query<PayoutRecord>(
    `insert into payouts as p (id, host_id, stripe_account_id, amount, currency, status)
     values ($1, $2, $3, $4, $5, 'pending')
     on conflict (id) do nothing
     returning ${COLUMNS}`,
    [payout.id, payout.hostId, payout.stripeAccountId, payout.amount, payout.currency],
  );
  if (inserted.rows[0]) return { payout: inserted.rows[0], created: true };
  const found = await findPayout(db, payout.id);
  return found && found.hostId === payout.hostId ? { payout: found, created: false } : undefined;
}

export async function findPayout(db: Queryable, id: string): Promise<PayoutRecord | undefined> {
  const { rows } = await db.query<PayoutRecord>(`select ${COLUMNS} from payouts p where p.id = $1`, [id]);
  return rows[0];
}

export async function completePayout(
  db: Queryable,
  id: string,
  outcome: {
    stripePayoutId: string | null;
    status: PayoutStatus;
    arrivalAt: Date | null;
    failureMessage: string | null;
  },
): Promise<PayoutRecord> {
  const { rows } = await db.query<PayoutRecord>(
    `update payouts as p
        set stripe_payout_id = coalesce($2, p.stripe_payout_id), status = $3, arrival_at = $4,
            failure_message = $5, updated_at = now()
      where p.id = $1
      returning ${COLUMNS}`,
    [id, outcome.stripePayoutId, outcome.status, outcome.arrivalAt, outcome.failureMessage],
  );
  return rows[0]!;
}

/** Newest first; every host's when hostId is absent (admins). */
export async function listPayouts(
  db: Queryable,
  filter: { hostId?: string },
  page: { limit: number; after?: NewestFirstCursor },
): Promise<{ payouts: PayoutRecord[]; next?: NewestFirstCursor }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.hostId) {
    params.push(filter.hostId);
    where.push(`p.host_id = $${params.length}`);
  }
  if (page.after) where.push(afterCursor("p", params, page.after));
  params.push(page.limit + 1);
  const { rows } = await db.query<PayoutRecord & { cursorAt: string }>(
    `select ${COLUMNS}, ${cursorAtColumn("p")} from payouts p
     ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
     order by p.created_at desc, p.id desc
     limit $${params.length}`,
    params,
  );
  const { items, next } = cutPage(rows, page.limit);
  return next ? { payouts: items, next } : { payouts: items };
}
