// The space actor's commit path: the events of one decision written to PostgreSQL in one
// transaction before the actor answers (booking row, status history, outbox event, command record).
// Status changes are compare-and-set on the current status; a command id seen before replays its
// first effect; the exclusion constraint's verdict is a taken slot, never a failure.

import {
  PG_EXCLUSION_VIOLATION,
  PG_UNIQUE_VIOLATION,
  type Pool,
  type PoolClient,
  pgErrorCode,
  type Queryable,
  withTransaction,
} from "../../src/storage/postgres.ts";
import type { SpaceCommandType, SpaceEvent } from "./space-commands.ts";

/** One decision to commit: the command it answers and the events it produced. */
export interface LedgerCommit {
  readonly spaceId: string;
  readonly commandId: string;
  readonly commandType: SpaceCommandType;
  readonly events: readonly SpaceEvent[];
}

/** A booking row as the ledger holds it (times in UTC epoch ms). */
export interface LedgerBooking {
  readonly id: string;
  readonly spaceId: string;
  readonly driverId: string;
  readonly status: string;
  readonly start: number;
  readonly end: number;
  readonly expiresAt: number | null;
  readonly currency: string;
  readonly totalAmount: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
  readonly vehicle: unknown;
  readonly specialRequests: string | null;
  readonly commandId: string | null;
  readonly version: number;
}

export type LedgerRejectionCode = "slot_unavailable" | "conflict";

export type CommitResult =
  /** Written; the actor may apply the events and answer. */
  | { readonly outcome: "committed" }
  /** The command was committed before: nothing written; `booking` is that booking as it is now. */
  | { readonly outcome: "replayed"; readonly booking: LedgerBooking }
  /**
   * Nothing written. slot_unavailable: PostgreSQL holds an overlapping booking the actor did not
   * know of. conflict: the booking is no longer in the status the actor saw. Either way the
   * actor's state is stale: rebuild it from PostgreSQL before deciding again.
   */
  | { readonly outcome: "rejected"; readonly code: LedgerRejectionCode; readonly message: string };

const SLOT_UNAVAILABLE: CommitResult = Object.freeze({
  outcome: "rejected",
  code: "slot_unavailable",
  message: "this window is already taken",
});

/** Thrown inside the transaction to roll it back with an answer. */
class Rollback extends Error {
  constructor(readonly result: CommitResult) {
    super(result.outcome);
  }
}

export async function commitSpaceEvents(pool: Pool, commit: LedgerCommit): Promise<CommitResult> {
  const bookingEvents = commit.events.filter((e) => e.type !== "spaceSettingsChanged");
  // Settings live in parking_spaces, written by whoever changed them; nothing to add here.
  if (bookingEvents.length === 0) return { outcome: "committed" };
  let replayed: boolean;
  try {
    replayed = await withTransaction(pool, async (client) => {
      let recorded = false;
      for (const event of bookingEvents) {
        const written = await writeEvent(client, commit, event, recorded);
        if (written === "replay") {
          if (recorded) throw new Error("a command was recorded twice within one commit");
          return true;
        }
        recorded = true;
      }
      return false;
    });
  } catch (error) {
    if (error instanceof Rollback) return error.result;
    const code = pgErrorCode(error);
    if (code === PG_EXCLUSION_VIOLATION) {
      // A concurrent delivery of this same command may be what overlaps: then it is a replay.
      const first = await findCommandOutcome(pool, commit.commandId);
      return first === null ? SLOT_UNAVAILABLE : { outcome: "replayed", booking: first };
    }
    if (code !== PG_UNIQUE_VIOLATION) throw error;
    // A concurrent delivery of the same command got there first, or a booking id clashed.
    replayed = true;
  }
  if (!replayed) return { outcome: "committed" };
  const booking = await findCommandOutcome(pool, commit.commandId);
  if (booking === null) {
    return { outcome: "rejected", code: "conflict", message: "this booking id is already in use" };
  }
  return { outcome: "replayed", booking };
}

/** The booking a command changed, if that command was committed; null when it never was. */
export async function findCommandOutcome(db: Queryable, commandId: string): Promise<LedgerBooking | null> {
  const { rows } = await db.query<LedgerBooking>(
    `select ${BOOKING_COLUMNS} from booking_commands c join bookings b on b.id = c.booking_id
      where c.command_id = $1`,
    [commandId],
  );
  return rows[0] ?? null;
}

export async function findBooking(db: Queryable, bookingId: string): Promise<LedgerBooking | null> {
  const { rows } = await db.query<LedgerBooking>(
    `select ${BOOKING_COLUMNS} from bookings b where b.id = $1`,
    [bookingId],
  );
  return rows[0] ?? null;
}

export const BOOKING_COLUMNS = `b.id, b.space_id as "spaceId", b.driver_id as "driverId", b.status,
  (extract(epoch from lower(b.during)) * 1000)::int8 as start,
  (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
  (extract(epoch from b.expires_at) * 1000)::int8 as "expiresAt",
  b.currency, b.total_amount as "totalAmount", b.platform_fee as "platformFee",
  b.host_earnings as "hostEarnings", b.vehicle, b.special_requests as "specialRequests",
  b.command_id as "commandId", b.version`;

/** Writes one event; "replay" when its command was already committed (nothing written). */
async function writeEvent(
  client: PoolClient,
  commit: LedgerCommit,
  event: Exclude<SpaceEvent, { type: "spaceSettingsChanged" }>,
  recorded: boolean,
): Promise<"written" | "replay"> {
  switch (event.type) {
    case "bookingRequested": {
      const { booking } = event;
      const inserted = await client.query(
        `insert into bookings (id, space_id, driver_id, status, during, currency, total_amount, platform_fee,
           host_earnings, vehicle, special_requests, expires_at, command_id)
         values ($1, $2, $3, $4, tstzrange($5::timestamptz, $6::timestamptz, '[)'), $7, $8, $9, $10, $11, $12,
           $13::timestamptz, $14)
         on conflict (command_id) do nothing`,
        [
          booking.id,
          commit.spaceId,
          booking.driverId,
          booking.status,
          iso(booking.start),
          iso(booking.end),
          booking.currency,
          booking.totalAmount,
          booking.platformFee,
          booking.hostEarnings,
          event.vehicle === null ? null : JSON.stringify(event.vehicle),
          event.specialRequests,
          booking.expiresAt === null ? null : iso(booking.expiresAt),
          commit.commandId,
        ],
      );
      if (inserted.rowCount === 0) return "replay";
      if (!recorded && !(await recordCommand(client, commit, booking.id))) return "replay";
      await history(client, booking.id, null, booking.status, booking.driverId, null);
      await outbox(client, booking.id, "booking.requested", commit, event);
      return "written";
    }
    case "bookingStatusChanged": {
      if (!recorded && !(await recordCommand(client, commit, event.bookingId))) return "replay";
      const updated = await client.query(
        `update bookings set status = $3, expires_at = $4::timestamptz, version = version + 1, updated_at = now()
          where id = $1 and status = $2 and space_id = $5`,
        [
          event.bookingId,
          event.from,
          event.to,
          event.expiresAt === null ? null : iso(event.expiresAt),
          commit.spaceId,
        ],
      );
      if (updated.rowCount === 0) throw new Rollback(statusConflict(event.from));
      await history(client, event.bookingId, event.from, event.to, event.by, event.reason);
      await outbox(client, event.bookingId, `booking.${event.to}`, commit, event);
      return "written";
    }
    case "bookingExtended": {
      if (!recorded && !(await recordCommand(client, commit, event.bookingId))) return "replay";
      const updated = await client.query(
        `update bookings set during = tstzrange(lower(during), $4::timestamptz, '[)'), total_amount = $5,
                platform_fee = $6, host_earnings = $7, version = version + 1, updated_at = now()
          where id = $1 and status = $2 and upper(during) = $3::timestamptz and space_id = $8`,
        [
          event.bookingId,
          event.status,
          iso(event.fromEnd),
          iso(event.toEnd),
          event.totalAmount,
          event.platformFee,
          event.hostEarnings,
          commit.spaceId,
        ],
      );
      if (updated.rowCount === 0) throw new Rollback(statusConflict(event.status));
      await outbox(client, event.bookingId, "booking.extended", commit, event);
      return "written";
    }
  }
}

/** Claims the command id for this booking; false when some earlier commit already holds it. */
async function recordCommand(client: PoolClient, commit: LedgerCommit, bookingId: string): Promise<boolean> {
  const inserted = await client.query(
    `insert into booking_commands (command_id, booking_id, command_type) values ($1, $2, $3)
     on conflict (command_id) do nothing`,
    [commit.commandId, bookingId, commit.commandType],
  );
  return inserted.rowCount === 1;
}

async function history(
  client: PoolClient,
  bookingId: string,
  from: string | null,
  to: string,
  by: string | null,
  reason: string | null,
): Promise<void> {
  await client.query(
    `insert into booking_status_history (booking_id, from_status, to_status, changed_by, reason)
     values ($1, $2, $3, $4, $5)`,
    [bookingId, from, to, by, reason],
  );
}

async function outbox(
  client: PoolClient,
  bookingId: string,
  eventType: string,
  commit: LedgerCommit,
  event: SpaceEvent,
): Promise<void> {
  await client.query(
    `insert into outbox (aggregate_type, aggregate_id, event_type, payload) values ('booking', $1, $2, $3)`,
    [
      bookingId,
      eventType,
      JSON.stringify({ spaceId: commit.spaceId, commandId: commit.commandId, ...event }),
    ],
  );
}

function statusConflict(expected: string): CommitResult {
  return {
    outcome: "rejected",
    code: "conflict",
    message: `the booking is no longer ${expected}`,
  };
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}
