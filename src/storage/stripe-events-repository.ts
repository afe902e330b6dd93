// Stripe webhook events received: each event id once (stripe_events), and with it, in the same
// transaction, the event's outbox row, so the relay hands it to the outbox handlers and a redelivery
// of the event by Stripe adds nothing.
import { wakeOutboxRelay } from "./outbox-repository.ts";
import { type Pool, withTransaction } from "./postgres.ts";

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
