// Stripe webhook events received: each event id once (stripe_events), and with it, in the same
// transaction, the event's outbox row, so the relay hands it to the outbox handlers and a redelivery
// of the event by Stripe adds nothing; and the retention of received ids.
import { wakeOutboxRelay } from "./outbox-repository.ts";
import { type Pool, type Queryable, withTransaction } from "./postgres.ts";

/** The outbox aggregate type of Stripe's events (aggregate id = the event id). */
export const STRIPE_AGGREGATE = "stripe";

export interface ReceivedStripeEvent {
  id: string;
  type: string;
}

/**
 * Records a verified event and its outbox row in one transaction: true when it is new, false when
 * it was received before (nothing written). Wakes the relay after a new event's commit.
 */
export async function recordStripeEvent(pool: Pool, event: ReceivedStripeEvent): Promise<boolean> {
  const isNew = await withTransaction(pool, async (tx) => {
    const { rowCount } = await tx.query(
      `insert into stripe_events (event_id, type) values ($1, $2) on conflict do nothing`,
      [event.id, event.type],
    );
    if (rowCount !== 1) return false;
    await tx.query(
      `insert into outbox (aggregate_type, aggregate_id, event_type, payload) values ($1, $2, $3, $4)`,
      [STRIPE_AGGREGATE, event.id, event.type, JSON.stringify(event)],
    );
    return true;
  });
  if (isNew) wakeOutboxRelay(pool);
  return isNew;
}

/**
 * Days a received event id is kept: Stripe retries a delivery for up to 3 days and lets an event be
 * sent again by hand for 30, so an id is remembered longer than it can come back.
 */
export const STRIPE_EVENT_RETENTION_DAYS = 35;

/** Forgets event ids received more than STRIPE_EVENT_RETENTION_DAYS ago; returns how many. */
export async function purgeStripeEvents(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `delete from stripe_events where received_at < now() - make_interval(days => $1)`,
    [STRIPE_EVENT_RETENTION_DAYS],
  );
  return rowCount ?? 0;
}
