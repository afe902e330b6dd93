// A space's availability rules in PostgreSQL (weekly hours, date exceptions and the listing columns
// the rules read), replacing them, and the slot-holding bookings that the rules are checked against.
// Functions take a Queryable so they run on the pool or inside a caller's transaction.
import {
  type AvailabilityRules,
  availabilityRulesSchema,
  type DateException,
} from "../domain/availability-rules.ts";
import type { WeeklyHoursRow } from "../domain/opening-hours.ts";
import { SLOT_HOLDING_STATUSES, type SpaceStatus } from "../domain/space-listing.ts";
import type { Queryable } from "./postgres.ts";
import { insertWeeklyHours } from "./spaces-repository.ts";

export interface SpaceAvailability {
  status: SpaceStatus;
  /** H3 cells at the map and shard resolutions (where the space's actor and map rooms live). */
  cell: string;
  shardCell: string;
  rules: AvailabilityRules;
}

/** The space's availability rules as the domain reads them (validated), or undefined when unknown. */
export async function loadAvailability(
  db: Queryable,
  spaceId: string,
): Promise<SpaceAvailability | undefined> {
  const { rows } = await db.query<{
    status: SpaceStatus;
    cell: string;
    shardCell: string;
    timeZone: string;
    bufferMinutes: number;
    minNoticeMinutes: number;
    minDurationMinutes: number;
    maxDurationMinutes: number | null;
    weeklyHours: WeeklyHoursRow[];
    exceptions: DateException[];
  }>(
    `select s.status, s.h3_cell as cell, s.h3_shard_cell as "shardCell", s.timezone as "timeZone", s.buffer_minutes as "bufferMinutes",
       s.min_notice_minutes as "minNoticeMinutes", s.min_duration_minutes as "minDurationMinutes",
       s.max_duration_minutes as "maxDurationMinutes",
       coalesce((select json_agg(json_build_object('dayOfWeek', w.day_of_week, 'startMinute', w.start_minute,
           'endMinute', w.end_minute) order by w.day_of_week, w.start_minute)
         from space_availability w where w.space_id = s.id), '[]') as "weeklyHours",
       coalesce((select json_agg(json_build_object('localDate', to_char(e.local_date, 'YYYY-MM-DD'),
           'kind', e.kind, 'startMinute', e.start_minute, 'endMinute', e.end_minute)
           order by e.local_date, e.kind, e.start_minute nulls first)
         from space_availability_exceptions e where e.space_id = s.id), '[]') as exceptions
     from parking_spaces s where s.id = $1`,
    [spaceId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { status, cell, shardCell, ...rules } = row;
  return { status, cell, shardCell, rules: availabilityRulesSchema.parse(rules) };
}

export async function replaceWeeklyHours(
  db: Queryable,
  spaceId: string,
  schedule: readonly WeeklyHoursRow[],
): Promise<void> {
  await db.query(`delete from space_availability where space_id = $1`, [spaceId]);
  await insertWeeklyHours(db, spaceId, schedule);
}

export async function replaceDateExceptions(
  db: Queryable,
  spaceId: string,
  exceptions: readonly DateException[],
): Promise<void> {
  await db.query(`delete from space_availability_exceptions where space_id = $1`, [spaceId]);
  if (exceptions.length === 0) return;
  await db.query(
    `insert into space_availability_exceptions (space_id, local_date, kind, start_minute, end_minute)
     select $1, unnest($2::date[]), unnest($3::text[]), unnest($4::smallint[]), unnest($5::smallint[])`,
    [
      spaceId,
      exceptions.map((e) => e.localDate),
      exceptions.map((e) => e.kind),
      exceptions.map((e) => e.startMinute ?? null),
      exceptions.map((e) => e.endMinute ?? null),
    ],
  );
}

export interface HeldSlot {
  id: string;
  status: string;
  /** UTC epoch ms, [start, end). */
  start: number;
  end: number;
}

/**
 * Bookings in a slot-holding status that end after `from` (and start before `to`, when given),
 * every one of them: a schedule change must be checked against all, not a page.
 */
export async function heldSlots(db: Queryable, spaceId: string, from: Date, to?: Date): Promise<HeldSlot[]> {
  const { rows } = await db.query<{ id: string; status: string; start: Date; end: Date }>(
    `select id, status, lower(during) as start, upper(during) as "end"
       from bookings
      where space_id = $1 and status = any($2::text[]) and upper(during) > $3
        and ($4::timestamptz is null or lower(during) < $4)
      order by lower(during)`,
    [spaceId, SLOT_HOLDING_STATUSES, from, to ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    start: row.start.getTime(),
    end: row.end.getTime(),
  }));
}
