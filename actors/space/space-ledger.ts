// The space actor's commit path: the events of one decision written to PostgreSQL atomically before
// the actor answers (booking row, status history, outbox event, command record).
// Status changes are compare-and-set on the current status; a command id recorded before writes
// nothing and is named (RecordedCommands) for the actor to answer from its record; the exclusion
// constraint's verdict is a taken slot, never a failure.
import { AppError } from "../../src/errors.ts";
import { wakeOutboxRelay } from "../../src/storage/outbox-repository.ts";
import {
  PG_EXCLUSION_VIOLATION,
  PG_UNIQUE_VIOLATION,
  type Pool,
  pgErrorCode,
  type Queryable,
  withTransaction,
} from "../../src/storage/postgres.ts";
import type { SpaceCommandType, SpaceEvent } from "./space-commands.ts";
import { ledgerRejectionError } from "./space-errors.ts";
import { SETTINGS_VERSION } from "./space-loader.ts";

/** One decision to commit: the command it answers and the events it produced. */
export interface LedgerCommit {
  readonly spaceId: string;
  readonly commandId: string;
  readonly commandType: SpaceCommandType;
  readonly events: readonly SpaceEvent[];
  /** The space version the decision was made on (SpaceState.settingsVersion); checked for new time. */
  readonly settingsVersion?: string | undefined;
  /** The fingerprint of the request (a command id taken from a caller's key); null for others. */
  readonly fingerprint: string | null;
  /** The answer the caller gets, as JSON text: kept with the command record and replayed byte for byte. */
  readonly answer: string;
}

/** A booking command as the ledger recorded it: what was asked and what was answered. */
export interface CommandRecord {
  readonly commandId: string;
  readonly bookingId: string;
  readonly fingerprint: string | null;
  /** The reply value's JSON text; null for records written before answers were kept. */
  readonly answer: string | null;
}

/**
 * Thrown by commitSpaceBatch, nothing written: some commands of the batch were recorded before
 * (resends whose stored replies are gone, or another request under a used key). The actor answers
 * them from their records and decides the rest again.
 */
export class RecordedCommands extends Error {
  constructor(readonly records: ReadonlyMap<string, CommandRecord>) {
    super(`${records.size} command(s) of the batch were recorded before`);
    this.name = "RecordedCommands";
  }
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

const SLOT_UNAVAILABLE_MESSAGE = "this window is already taken";

/**
 * Commits several decisions in one transaction: the runtime's batch (its `flushWrites`), made
 * durable before any of their replies is sent. A batch holding a command id recorded before (run
 * again after a crash, a resend, another request under a used key) writes nothing and throws
 * RecordedCommands with those records. A slot taken or a booking no longer as the actor saw
 * it throws a 409 AppError (slot_unavailable / conflict) and nothing of the batch is written: the
 * runtime then decides the batch's commands again one by one. With `writer`, a batch of new requests
 * is written together with other spaces' (request-commit-group.ts).
 */
export async function commitSpaceBatch(
  pool: Pool,
  commits: readonly LedgerCommit[],
  writer?: RequestWriter,
): Promise<void> {
  if (commits.length === 0) return;
  if (await commitRequests(pool, commits, writer)) {
    wakeOutboxRelay(pool);
    return;
  }
  const commandIds = commits.map((c) => c.commandId);
  const recorded = await findCommandRecords(pool, commandIds);
  if (recorded.size > 0) throw new RecordedCommands(recorded);
  try {
    await withTransaction(pool, async (client) => {
      await lockSpacesForBooking(client, commits);
      for (const commit of commits) {
        for (const [index, event] of commit.events.entries()) {
          if (!(await writeEvent(client, commit, event, index === 0))) {
            // Recorded by a commit that ran alongside (the same command delivered twice), or the
            // booking is not as the actor saw it.
            const raced = await findCommandRecords(client, [commit.commandId]);
            if (raced.size > 0) throw new RecordedCommands(raced);
            throw ledgerRejectionError("conflict", conflictMessage(event));
          }
        }
      }
    });
    wakeOutboxRelay(pool);
  } catch (error) {
    if (pgErrorCode(error) === PG_EXCLUSION_VIOLATION) {
      throw ledgerRejectionError("slot_unavailable", SLOT_UNAVAILABLE_MESSAGE);
    }
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
      // A command id recorded meanwhile by another commit (the same key sent to two spaces at once).
      const raced = await findCommandRecords(pool, commandIds);
      if (raced.size > 0) throw new RecordedCommands(raced);
    }
    throw refusedByLedger(error);
  }
}

/**
 * A PostgreSQL error that the same statement would meet again (integrity or data: class 23 or 22)
 * becomes the command's answer, 422 ledger_refused, instead of a fault retried until set aside;
 * anything else (a lost connection, a timeout) is thrown as it is, to be retried.
 */
export function refusedByLedger(error: unknown): unknown {
  const code = pgErrorCode(error);
  if (code === undefined || !(code.startsWith("23") || code.startsWith("22"))) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new AppError("ledger_refused", 422, "the ledger refused to record this command", {
    sqlState: code,
    reason: detail,
  });
}

/** The recorded commands among `commandIds`, by id. */
export async function findCommandRecords(
  db: Queryable,
  commandIds: readonly string[],
): Promise<Map<string, CommandRecord>> {
  const { rows } = await db.query<CommandRecord>({
    name: "space-ledger-command-records",
    text: `select command_id as "commandId", booking_id as "bookingId", fingerprint, answer
             from booking_commands where command_id = any($1::text[])`,
    values: [commandIds],
  });
  return new Map(rows.map((row) => [row.commandId, row]));
}

/**
 * Every batch holds its spaces' rows `for share` for its transaction, so a schedule change, an edit,
 * a move or a delete (which lock the row `for update`) either waits for the batch and then sees it,
 * or comes first. The row's version is the fence between actors: a decision made on settings read
 * before a listing change (by an actor that has not reloaded yet, or by the actor of the shard a
 * space moved away from) is refused, and its actor reloads before deciding again; so after a change
 * only an actor that read it commits for the space. A space no longer active takes no new time.
 */
async function lockSpacesForBooking(db: Queryable, commits: readonly LedgerCommit[]): Promise<void> {
  const spaceIds = [...new Set(commits.map((c) => c.spaceId))];
  if (spaceIds.length === 0) return;
  const { rows } = await db.query<{ id: string; status: string; version: string }>(
    `select id, status, ${SETTINGS_VERSION} as version from parking_spaces where id = any($1::uuid[]) for share`,
    [spaceIds],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const commit of commits) {
    const space = byId.get(commit.spaceId);
    const taking = commit.events.some((e) => e.type === "bookingRequested" || e.type === "bookingExtended");
    if (space === undefined || (taking && space.status !== "active")) {
      throw ledgerRejectionError("conflict", "this space is not taking bookings right now");
    }
    if (commit.settingsVersion !== undefined && commit.settingsVersion !== space.version) {
      throw ledgerRejectionError("conflict", "the space's listing just changed; send the request again");
    }
  }
}

/** New booking requests of one space, the usual batch, as one statement writes them. */
export interface RequestBatch {
  readonly spaceId: string;
  /** The space version they were decided on; null: not checked. */
  readonly settingsVersion: string | null;
  readonly rows: readonly RequestRow[];
}

interface RequestRow {
  readonly id: string;
  readonly command_id: string;
  readonly command_type: string;
  readonly driver_id: string;
  readonly status: string;
  readonly start: string;
  readonly end: string;
  readonly currency: string;
  readonly total_amount: number;
  readonly platform_fee: number;
  readonly host_earnings: number;
  readonly vehicle: unknown;
  readonly special_requests: string | null;
  readonly expires_at: string | null;
  readonly payload: unknown;
  readonly fingerprint: string | null;
  readonly answer: string;
}

/** Where several spaces' request batches are written together (see request-commit-group.ts). */
export interface RequestWriter {
  /** Rows of the batch written: all, or none when the space changed (a recorded command id fails the statement). */
  write(batch: RequestBatch): Promise<number>;
}

/** The batch as a RequestBatch when it is only new requests of one space on one version. */
export function requestBatchOf(commits: readonly LedgerCommit[]): RequestBatch | undefined {
  const rows: RequestRow[] = [];
  for (const commit of commits) {
    const event = commit.events.length === 1 ? commit.events[0]! : undefined;
    if (event?.type !== "bookingRequested") return undefined;
    if (commit.spaceId !== commits[0]!.spaceId || commit.settingsVersion !== commits[0]!.settingsVersion) {
      return undefined;
    }
    const { booking } = event;
    rows.push({
      id: booking.id,
      command_id: commit.commandId,
      command_type: commit.commandType,
      driver_id: booking.driverId,
      status: booking.status,
      start: iso(booking.start),
      end: iso(booking.end),
      currency: booking.currency,
      total_amount: booking.totalAmount,
      platform_fee: booking.platformFee,
      host_earnings: booking.hostEarnings,
      vehicle: event.vehicle,
      special_requests: event.specialRequests,
      expires_at: booking.expiresAt === null ? null : iso(booking.expiresAt),
      payload: { spaceId: commit.spaceId, commandId: commit.commandId, ...event },
      fingerprint: commit.fingerprint,
      answer: commit.answer,
    });
  }
  const first = commits[0]!;
  return { spaceId: first.spaceId, settingsVersion: first.settingsVersion ?? null, rows };
}

/**
 * Writes the request batches of several spaces in one statement (one round trip and one plan for
 * all): each space row held `for share` and checked (active, the batch's version) in the same
 * statement as its inserts, so each batch has a transaction's guarantees; all rows land or none
 * (an overlap anywhere fails the statement). Returns rows written per space id: a space that changed
 * gets none; a command id recorded before fails the whole statement (unique violation). At most one
 * batch per space.
 */
export async function writeRequestBatches(
  db: Queryable,
  batches: readonly RequestBatch[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ space_id: string; n: number }>({
    name: "space-ledger-write-requests",
    text: `with wanted as (
         select * from jsonb_to_recordset($1::jsonb) as w(id uuid, version text)
       ), space as (
         select p.id from parking_spaces p join wanted w on w.id = p.id
          where p.status = 'active' and (w.version is null or ${SETTINGS_VERSION} = w.version)
          for share of p
       ), input as (
         select * from jsonb_to_recordset($2::jsonb) as r(space_id uuid, id uuid, command_id text,
           command_type text, driver_id uuid, status text, start timestamptz, "end" timestamptz, currency text,
           total_amount int, platform_fee int, host_earnings int, vehicle jsonb, special_requests text,
           expires_at timestamptz, payload jsonb, fingerprint text, answer text)
       ), changed as (
         insert into bookings (id, space_id, driver_id, status, during, currency, total_amount, platform_fee,
           host_earnings, vehicle, special_requests, expires_at, command_id)
         select i.id, space.id, i.driver_id, i.status, tstzrange(i.start, i."end", '[)'), i.currency,
           i.total_amount, i.platform_fee, i.host_earnings, i.vehicle, i.special_requests, i.expires_at,
           i.command_id
           from input i join space on space.id = i.space_id
         returning id, space_id, command_id, status, driver_id
       ), recorded as (
         insert into booking_commands (command_id, booking_id, command_type, fingerprint, answer)
         select c.command_id, c.id, i.command_type, i.fingerprint, i.answer from changed c join input i on i.id = c.id
       ), history as (
         insert into booking_status_history (booking_id, from_status, to_status, changed_by)
         select id, null, status, driver_id from changed
       ), events as (
         insert into outbox (aggregate_type, aggregate_id, event_type, payload)
         select 'booking', c.id::text, 'booking.requested', i.payload from changed c join input i on i.id = c.id
       )
       select space_id, count(*)::int as n from changed group by space_id`,
    values: [
      JSON.stringify(batches.map((b) => ({ id: b.spaceId, version: b.settingsVersion }))),
      JSON.stringify(batches.flatMap((b) => b.rows.map((row) => ({ space_id: b.spaceId, ...row })))),
    ],
  });
  return new Map(rows.map((row) => [row.space_id, row.n]));
}

/**
 * The usual batch, new booking requests of one space and nothing else, in one statement (one round
 * trip instead of begin, lock, one write per request, commit), alone or with other spaces' batches
 * through `writer`. True when all were written; false when none were (a command id recorded before,
 * or the space changed): the transactional path then decides what that means. A taken slot throws
 * the same 409 as there, nothing written.
 */
async function commitRequests(
  pool: Pool,
  commits: readonly LedgerCommit[],
  writer: RequestWriter | undefined,
): Promise<boolean> {
  const batch = requestBatchOf(commits);
  if (batch === undefined) return false;
  try {
    const written =
      writer === undefined
        ? ((await writeRequestBatches(pool, [batch])).get(batch.spaceId) ?? 0)
        : await writer.write(batch);
    return written === commits.length;
  } catch (error) {
    if (pgErrorCode(error) === PG_EXCLUSION_VIOLATION) {
      // A concurrent delivery of one of these commands may be what overlaps: the transactional path tells.
      if (
        (
          await findCommandRecords(
            pool,
            commits.map((c) => c.commandId),
          )
        ).size > 0
      )
        return false;
      throw ledgerRejectionError("slot_unavailable", SLOT_UNAVAILABLE_MESSAGE);
    }
    if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return false;
    throw refusedByLedger(error);
  }
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

/**
 * The rest of an event statement: command record, status history and outbox row from `changed`
 * ($1 command id, $2 command type, $3 record the command?, $4 outbox payload, $5 the request's
 * fingerprint, $6 the answer).
 */
const eventTail = `
    , recorded as (
      insert into booking_commands (command_id, booking_id, command_type, fingerprint, answer)
      select $1, id, $2, $5, $6 from changed where $3::boolean
    ), history as (
      insert into booking_status_history (booking_id, from_status, to_status, changed_by, reason)
      select id, from_status, to_status, changed_by, reason from changed where to_status is not null
    ), events as (
      insert into outbox (aggregate_type, aggregate_id, event_type, payload)
      select 'booking', id::text, event_type, $4::jsonb from changed
    )
    select count(*)::int as n from changed`;

/**
 * Writes one event as one statement; false when it changed nothing (the command id was already
 * taken, or the booking was not in the expected status / window). `record` adds the command record.
 */
async function writeEvent(
  db: Queryable,
  commit: LedgerCommit,
  event: SpaceEvent,
  record: boolean,
): Promise<boolean> {
  const payload = JSON.stringify({ spaceId: commit.spaceId, commandId: commit.commandId, ...event });
  // $1 command id, $2 command type, $3 record the command?, $4 outbox payload, $5 fingerprint,
  // $6 answer; then the event's own.
  const common = [commit.commandId, commit.commandType, record, payload, commit.fingerprint, commit.answer];
  let result: { rows: { n: number }[] };
  switch (event.type) {
    case "bookingRequested": {
      const { booking } = event;
      result = await db.query(
        `with changed as (
           insert into bookings (id, space_id, driver_id, status, during, currency, total_amount, platform_fee,
             host_earnings, vehicle, special_requests, expires_at, command_id)
           values ($7, $8, $9, $10, tstzrange($11::timestamptz, $12::timestamptz, '[)'), $13, $14, $15, $16, $17,
             $18, $19::timestamptz, $1)
           on conflict (command_id) do nothing
           returning id, null::text as from_status, status as to_status, driver_id as changed_by,
             null::text as reason, 'booking.requested' as event_type
         )${eventTail}`,
        [
          ...common,
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
        ],
      );
      break;
    }
    case "bookingStatusChanged":
      result = await db.query(
        `with changed as (
           update bookings set status = $10, expires_at = $11::timestamptz, version = version + 1, updated_at = now()
            where id = $7 and space_id = $8 and status = $9
           returning id, $9::text as from_status, status as to_status, $12::uuid as changed_by,
             $13::text as reason, 'booking.' || status as event_type
         )${eventTail}`,
        [
          ...common,
          event.bookingId,
          commit.spaceId,
          event.from,
          event.to,
          event.expiresAt === null ? null : iso(event.expiresAt),
          event.by,
          event.reason,
        ],
      );
      break;
    case "bookingExtended":
      result = await db.query(
        `with changed as (
           update bookings set during = tstzrange(lower(during), $11::timestamptz, '[)'), total_amount = $12,
                  platform_fee = $13, host_earnings = $14, version = version + 1, updated_at = now()
            where id = $7 and space_id = $8 and status = $9 and upper(during) = $10::timestamptz
           returning id, null::text as from_status, null::text as to_status, null::uuid as changed_by,
             null::text as reason, 'booking.extended' as event_type
         )${eventTail}`,
        [
          ...common,
          event.bookingId,
          commit.spaceId,
          event.status,
          iso(event.fromEnd),
          iso(event.toEnd),
          event.totalAmount,
          event.platformFee,
          event.hostEarnings,
        ],
      );
      break;
  }
  return result.rows[0]!.n > 0;
}

function conflictMessage(event: SpaceEvent): string {
  switch (event.type) {
    case "bookingRequested":
      return "this booking id is already in use";
    case "bookingStatusChanged":
      return `the booking is no longer ${event.from}`;
    case "bookingExtended":
      return `the booking is no longer ${event.status} until ${iso(event.fromEnd)}`;
  }
}

function iso(instant: number): string {
  return new Date(instant).toISOString();
}
