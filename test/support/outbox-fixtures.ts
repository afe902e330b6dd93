// Outbox rows written the way the space ledger writes them (aggregate `booking`, event type
// `booking.<status>`, a payload naming the space), and the effects the outbox handlers left, for
// the outbox relay tests.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { afterAll } from "vitest";
import { wakeOutboxRelay } from "../../src/storage/outbox-repository.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import { createRedis } from "../../src/storage/redis.ts";

export const BOOKING_EVENT_TYPES = ["booking.requested", "booking.confirmed", "booking.cancelled"] as const;

/**
 * Writes `count` booking events over `spaceIds` in one statement, and wakes the relay after it, as
 * one ledger commit does.
 */
export async function writeBookingEvents(db: Queryable, spaceIds: readonly string[], count: number) {
  const events = Array.from({ length: count }, (_, i) => ({
    booking_id: randomUUID(),
    event_type: BOOKING_EVENT_TYPES[i % BOOKING_EVENT_TYPES.length],
    payload: { spaceId: spaceIds[i % spaceIds.length], commandId: randomUUID(), type: "bookingRequested" },
  }));
  await db.query(
    `insert into outbox (aggregate_type, aggregate_id, event_type, payload)
     select 'booking', e.booking_id, e.event_type, e.payload
       from jsonb_to_recordset($1::jsonb) as e(booking_id text, event_type text, payload jsonb)`,
    [JSON.stringify(events)],
  );
  wakeOutboxRelay(db);
}

/** Outbox rows by space and event type, and what the `space-event-counts` handler counted. */
export async function expectedAndCounted(db: Queryable) {
  const { rows } = await db.query<{ key: string; expected: number; counted: number }>(
    `select coalesce(o.space_id, c.space_id::text) || ' ' || coalesce(o.event_type, c.event_type) as key,
            coalesce(o.n, 0)::int as expected, coalesce(c.events, 0)::int as counted
       from (select payload->>'spaceId' as space_id, event_type, count(*) as n from outbox
              where aggregate_type = 'booking' group by 1, 2) o
       full join space_event_counts c on c.space_id::text = o.space_id and c.event_type = o.event_type
      order by 1`,
  );
  return rows;
}

export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A BullMQ queue name of a test file's own for its jobs workers, emptied and removed after its tests. */
export function useOutboxQueue(prefix: string): string {
  const name = `${prefix}-${randomUUID()}`;
  afterAll(async () => {
    const connection = createRedis(process.env.REDIS_URL ?? "", `${prefix}-cleanup`, { blocking: true });
    const queue = new Queue(name, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });
  return name;
}
