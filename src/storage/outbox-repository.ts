// The outbox's one door: wake the relay after a write, claim unpublished rows for the relay (locked,
// skipping rows another relay holds), mark them published, read the relay's lag, record which
// handler has had its effect for which event, and delete what retention no longer keeps.
import type { Pool, PoolClient, Queryable } from "./postgres.ts";
import { withTransaction } from "./postgres.ts";

/** The channel relays listen on. */
export const OUTBOX_CHANNEL = "outbox_events";

/**
 * Wakes the listening relays. Inside a transaction the notification goes out at its commit (none
 * on rollback): for rare writers (listing changes). A transaction that notifies holds PostgreSQL's
 * notification lock from its commit until it ends, so notifying commits run one at a time
 * (16 committers measured 1,843 → 1,103 commits/s): the booking ledger wakes the relay after its
 * commits instead, with `wakeOutboxRelay`.
 */
export async function notifyOutbox(db: Queryable): Promise<void> {
  await db.query(`select pg_notify($1, '')`, [OUTBOX_CHANNEL]);
}

/** Per pool: a wake-up in flight, and whether another was asked for meanwhile. */
const wakes = new WeakMap<Queryable, { again: boolean }>();

/**
 * Wakes the listening relays after a commit that wrote outbox rows, without waiting: at most one
 * notification in flight per pool, and one more after it when commits came meanwhile, so a stream
 * of commits costs a few notifications, not one each. A wake-up lost (an error, a crash) delays
 * the rows to the relay's next poll, no more.
 */
export function wakeOutboxRelay(pool: Queryable): void {
  const inFlight = wakes.get(pool);
  if (inFlight) {
    inFlight.again = true;
    return;
  }
  const state = { again: false };
  wakes.set(pool, state);
  const send = (): void => {
    state.again = false;
    notifyOutbox(pool)
      .catch(() => {})
      .finally(() => {
        if (state.again) send();
        else wakes.delete(pool);
      });
  };
  send();
}

export interface OutboxRow {
  id: number;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  payload: unknown;
  /** Epoch milliseconds. */
  createdAt: number;
}

const OUTBOX_COLUMNS = `id, aggregate_type as "aggregateType", aggregate_id as "aggregateId",
  event_type as "eventType", payload, (extract(epoch from created_at) * 1000)::int8 as "createdAt"`;

/**
 * Takes up to `limit` unpublished rows, oldest id first, locked for this transaction (rows another
 * relay holds are skipped), hands them to `publish`, then marks them published, all in one
 * transaction: when `publish` throws or the process dies, the rows stay unpublished and are taken
 * again. Returns the rows published.
 */
export async function relayBatch(
  pool: Pool,
  limit: number,
  publish: (rows: readonly OutboxRow[]) => Promise<void>,
): Promise<OutboxRow[]> {
  return withTransaction(pool, async (client: PoolClient) => {
    const { rows } = await client.query<OutboxRow>(
      `select ${OUTBOX_COLUMNS} from outbox where published_at is null
        order by id limit $1 for update skip locked`,
      [limit],
    );
    if (rows.length === 0) return rows;
    await publish(rows);
    await client.query(`update outbox set published_at = now() where id = any($1::int8[])`, [
      rows.map((r) => r.id),
    ]);
    return rows;
  });
}

/** Seconds since the oldest unpublished row was written; 0 when every row is published. */
export async function oldestUnpublishedAgeSeconds(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ age: number | null }>(
    `select extract(epoch from now() - created_at)::float8 as age from outbox
      where published_at is null order by id limit 1`,
  );
  return Math.max(0, rows[0]?.age ?? 0);
}

/**
 * Claims the effect of `handler` for event `eventId` in the caller's transaction: true the first
 * time (the caller makes the effect in the same transaction), false when it was made before. A
 * concurrent claim of the same pair waits on this one's commit, then gets false.
 */
export async function claimEffect(db: Queryable, eventId: number, handler: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into processed_events (event_id, handler) values ($1, $2) on conflict do nothing`,
    [eventId, handler],
  );
  return rowCount === 1;
}

/** Rows deleted per statement, so a large backlog is deleted without one long lock. */
const PURGE_CHUNK = 5000;

/**
 * Deletes outbox rows published more than `days` ago, and the effect records of events handled
 * more than `days` ago (by then their jobs are long finished and cannot be delivered again).
 */
export async function purgePublished(db: Queryable, days: number) {
  let outbox = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from outbox where id in (
         select id from outbox where published_at < now() - make_interval(days => $1) limit $2)`,
      [days, PURGE_CHUNK],
    );
    outbox += rowCount ?? 0;
    if ((rowCount ?? 0) < PURGE_CHUNK) break;
  }
  let processedEvents = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from processed_events where (event_id, handler) in (
         select event_id, handler from processed_events
          where processed_at < now() - make_interval(days => $1) limit $2)`,
      [days, PURGE_CHUNK],
    );
    processedEvents += rowCount ?? 0;
    if ((rowCount ?? 0) < PURGE_CHUNK) break;
  }
  return { outbox, processedEvents };
}
