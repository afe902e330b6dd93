// Builds a space actor's state from PostgreSQL, the ledger of record: the space row, its weekly
// hours and date exceptions, and its bookings in the horizon. The runtime calls it when Redis holds
// no state for the actor, or when a commit showed that the state it had was stale.
import {
  type AvailabilityRules,
  availabilityRulesSchema,
  type BookingMode,
  type BookingStatus,
  SLOT_HOLDING_STATUSES,
} from "../../src/domain/index.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import { compareBookings, type SpaceBooking, type SpaceState } from "./space-state.ts";

/** How a space row's version reads (its updated_at to the microsecond, as text). */
export const SETTINGS_VERSION = `to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** Exceptions this many days before today still matter (a stay that began then may be extended). */
const EXCEPTION_LOOKBACK_DAYS = 3;

interface SpaceRow {
  hostId: string;
  bookingMode: BookingMode;
  currency: string;
  hourly: number;
  daily: number | null;
  monthly: number | null;
  timeZone: string;
  bufferMinutes: number;
  minNoticeMinutes: number;
  minDurationMinutes: number;
  maxDurationMinutes: number | null;
  status: "active" | "inactive" | "deleted";
  version: string;
}

/** The state of the space's actor as of `now`; null when the space does not exist or was deleted. */
export async function loadSpaceState(
  db: Queryable,
  spaceId: string,
  now: number,
): Promise<SpaceState | null> {
  const spaces = await db.query<SpaceRow>(
    `select host_id as "hostId", booking_mode as "bookingMode", currency, hourly_rate as hourly,
            daily_rate as daily, monthly_rate as monthly, timezone as "timeZone",
            buffer_minutes as "bufferMinutes", min_notice_minutes as "minNoticeMinutes",
            min_duration_minutes as "minDurationMinutes", max_duration_minutes as "maxDurationMinutes", status,
            ${SETTINGS_VERSION} as version
       from parking_spaces where id = $1`,
    [spaceId],
  );
  const space = spaces.rows[0];
  if (space === undefined || space.status === "deleted") return null;
  const nowIso = new Date(now).toISOString();
  const [hours, exceptions, bookings] = await Promise.all([
    db.query<{ dayOfWeek: number; startMinute: number; endMinute: number }>(
      `select day_of_week as "dayOfWeek", start_minute as "startMinute", end_minute as "endMinute"
         from space_availability where space_id = $1 order by id`,
      [spaceId],
    ),
    db.query<{
      localDate: string;
      kind: "closed" | "open";
      startMinute: number | null;
      endMinute: number | null;
    }>(
      `select to_char(local_date, 'YYYY-MM-DD') as "localDate", kind, start_minute as "startMinute",
              end_minute as "endMinute"
         from space_availability_exceptions
        where space_id = $1 and local_date >= ($2::timestamptz at time zone $3)::date - $4::int
        order by local_date, id`,
      [spaceId, nowIso, space.timeZone, EXCEPTION_LOOKBACK_DAYS],
    ),
    db.query<SpaceBooking>(
      `select b.id, b.driver_id as "driverId", b.status,
              (extract(epoch from lower(b.during)) * 1000)::int8 as start,
              (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
              (extract(epoch from b.expires_at) * 1000)::int8 as "expiresAt",
              b.currency, b.total_amount as "totalAmount", b.platform_fee as "platformFee",
              b.host_earnings as "hostEarnings", coalesce(b.command_id, '') as "commandId"
         from bookings b
        where b.space_id = $1 and (b.status = any($2::text[]) or upper(b.during) > $3::timestamptz)`,
      [spaceId, SLOT_HOLDING_STATUSES, nowIso],
    ),
  ]);
  const rules: AvailabilityRules = availabilityRulesSchema.parse({
    timeZone: space.timeZone,
    weeklyHours: hours.rows,
    exceptions: exceptions.rows,
    bufferMinutes: space.bufferMinutes,
    minNoticeMinutes: space.minNoticeMinutes,
    minDurationMinutes: space.minDurationMinutes,
    maxDurationMinutes: space.maxDurationMinutes,
  });
  const byStart = bookings.rows
    .map((row): SpaceBooking => ({ ...row, status: row.status as BookingStatus }))
    .sort(compareBookings);
  return {
    spaceId,
    settings: {
      hostId: space.hostId,
      bookingMode: space.bookingMode,
      currency: space.currency,
      rates: { hourly: space.hourly, daily: space.daily, monthly: space.monthly },
      rules,
      accepting: space.status === "active",
    },
    settingsVersion: space.version,
    bookings: byStart,
  };
}

/** The space row's current version (see SpaceState.settingsVersion); null when the row is missing. */
export async function loadSpaceVersion(db: Queryable, spaceId: string): Promise<string | null> {
  const { rows } = await db.query<{ version: string }>(
    `select ${SETTINGS_VERSION} as version from parking_spaces where id = $1`,
    [spaceId],
  );
  return rows[0]?.version ?? null;
}
