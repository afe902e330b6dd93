// The outbox handler `space-event-counts`: booking events per space and event type (requested,
// confirmed, cancelled, expired, …) in space_event_counts, the tally a host's activity view and
// the payments work's reports read. An increment is not idempotent by itself: it is made once per
// event because it runs inside runHandlers' claim.
import { UnrecoverableError } from "bullmq";
import { z } from "zod";
import type { OutboxHandler } from "./outbox-handlers.ts";

export const SPACE_EVENT_COUNTS_HANDLER = "space-event-counts";

/** What this handler reads of a booking event's payload (the ledger writes more). */
const bookingEventPayload = z.object({ spaceId: z.uuid() });

export const spaceEventCountsHandler: OutboxHandler = {
  name: SPACE_EVENT_COUNTS_HANDLER,
  handles: (event) => event.aggregateType === "booking",
  async handle(tx, event) {
    const payload = bookingEventPayload.safeParse(event.payload);
    // A payload without its space cannot be counted however often it is tried.
    if (!payload.success) throw new UnrecoverableError(`booking event ${event.id} names no space`);
    await tx.query(
      `insert into space_event_counts (space_id, event_type, events, last_event_id)
       values ($1, $2, 1, $3)
       on conflict (space_id, event_type) do update
         set events = space_event_counts.events + 1,
             last_event_id = greatest(space_event_counts.last_event_id, excluded.last_event_id),
             updated_at = now()`,
      [payload.data.spaceId, event.eventType, event.id],
    );
  },
};
