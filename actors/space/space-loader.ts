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
import { BookingList, type SpaceBooking, type SpaceState } from "./space-state.ts";

/** How a space row's version reads (its updated_at to the microsecond, as text). */
export const SETTINGS_VERSION = `to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** Exceptions this many days before today still matter (a stay that began then may be extended). */
const EXCEPTION_LOOKBACK_DAYS = 3;

/** Where a space is on the map, as of one version of its row (for the live publisher). */
export interface SpaceLocation {
  /** The space row's version when read: a moved or deactivated space has a new one. */
  version: string | null;
  cell: string;
  lat: number;
  lng: number;
  active: boolean;
}

/** The location of a space row read with its cell, point, status and version. */
export function locationOf(row: {
  version: string;
  cell: string;
  lat: number;
  lng: number;
  status: string;
}): SpaceLocation {
  return {
    version: row.version,
    cell: row.cell,
    lat: row.lat,
    lng: row.lng,
    active: row.status === "active",
  };
}

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
  cell: string;
  lat: number;
  lng: number;
}

interface WeeklyRow {
  dayOfWeek: number;
  startMinute: number;
  endMinute: number;
}

interface ExceptionRow {
  localDate: string;
  kind: "closed" | "open";
  startMinute: number | null;
  endMinute: number | null;
}

/** The state of the space's actor as of `now`; null when the space does not exist or was deleted. */
export async function loadSpaceState(
  db: Queryable,
  spaceId: string,
  now: number,
): Promise<SpaceState | null> {
  if (!UUID.test(spaceId)) return null;
  const state = (await loadSpaceStates(db, [spaceId], now)).get(spaceId.toLowerCase());
  return state === undefined ? null : { ...state, spaceId };
}

/** A space id PostgreSQL can read; anything else names no space. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type LoadedRow = SpaceRow & {
  id: string;
  hours: WeeklyRow[];
  exceptions: ExceptionRow[];
  bookings: SpaceBooking[];
};

/**
 * The states of several spaces' actors as of `now`, in one round trip (the rows, and their hours,
 * exceptions and bookings as JSON arrays): an actor is activated on the first command it gets, so
 * this is on that command's path, and many activate at once. Keyed by the row's (lower-case) id; a
 * space that does not exist or was deleted is left out. Every id must be a uuid (see UUID).
 * `located` is handed each space's map location, read in the same query.
 */
export async function loadSpaceStates(
  db: Queryable,
  spaceIds: readonly string[],
  now: number,
  located?: (spaceId: string, location: SpaceLocation) => void,
): Promise<Map<string, SpaceState>> {
  const { rows } = await db.query<LoadedRow>({
    // Prepared once per connection: this runs for every actor activated.
    name: "space-loader-states",
    text: `select s.id, s.host_id as "hostId", s.booking_mode as "bookingMode", s.currency, s.hourly_rate as hourly,
            s.daily_rate as daily, s.monthly_rate as monthly, s.timezone as "timeZone",
            s.buffer_minutes as "bufferMinutes", s.min_notice_minutes as "minNoticeMinutes",
            s.min_duration_minutes as "minDurationMinutes", s.max_duration_minutes as "maxDurationMinutes",
            s.status, ${SETTINGS_VERSION} as version, s.h3_cell as cell, s.lat, s.lng,
            (select coalesce(json_agg(json_build_object('dayOfWeek', a.day_of_week, 'startMinute', a.start_minute,
                                                        'endMinute', a.end_minute) order by a.id), '[]')
               from space_availability a where a.space_id = s.id) as hours,
            (select coalesce(json_agg(json_build_object('localDate', to_char(e.local_date, 'YYYY-MM-DD'),
                                                        'kind', e.kind, 'startMinute', e.start_minute,
                                                        'endMinute', e.end_minute) order by e.local_date, e.id), '[]')
               from space_availability_exceptions e
              where e.space_id = s.id
                and e.local_date >= ($2::timestamptz at time zone s.timezone)::date - $3::int) as exceptions,
            (select coalesce(json_agg(json_build_object(
                      'id', b.id, 'driverId', b.driver_id, 'status', b.status,
                      'start', (extract(epoch from lower(b.during)) * 1000)::int8,
                      'end', (extract(epoch from upper(b.during)) * 1000)::int8,
                      'expiresAt', (extract(epoch from b.expires_at) * 1000)::int8,
                      'currency', b.currency, 'totalAmount', b.total_amount, 'platformFee', b.platform_fee,
                      'hostEarnings', b.host_earnings, 'commandId', coalesce(b.command_id, ''))), '[]')
               from bookings b
              where b.space_id = s.id and (b.status = any($4::text[]) or upper(b.during) > $2::timestamptz)) as bookings
       from parking_spaces s where s.id = any($1::uuid[])`,
    values: [spaceIds, new Date(now).toISOString(), EXCEPTION_LOOKBACK_DAYS, SLOT_HOLDING_STATUSES],
  });
  const states = new Map<string, SpaceState>();
  for (const row of rows) {
    if (row.status === "deleted") continue;
    states.set(row.id, stateOf(row));
    located?.(row.id, locationOf(row));
  }
  return states;
}

function stateOf(space: LoadedRow): SpaceState {
  const rules: AvailabilityRules = availabilityRulesSchema.parse({
    timeZone: space.timeZone,
    weeklyHours: space.hours,
    exceptions: space.exceptions,
    bufferMinutes: space.bufferMinutes,
    minNoticeMinutes: space.minNoticeMinutes,
    minDurationMinutes: space.minDurationMinutes,
    maxDurationMinutes: space.maxDurationMinutes,
  });
  const bookings = BookingList.from(
    space.bookings.map((row): SpaceBooking => ({ ...row, status: row.status as BookingStatus })),
  );
  return {
    spaceId: space.id,
    settings: {
      hostId: space.hostId,
      bookingMode: space.bookingMode,
      currency: space.currency,
      rates: { hourly: space.hourly, daily: space.daily, monthly: space.monthly },
      rules,
      accepting: space.status === "active",
    },
    settingsVersion: space.version,
    bookings,
  };
}

/** The space row's current version (see SpaceState.settingsVersion); null when the row is missing. */
export async function loadSpaceVersion(db: Queryable, spaceId: string): Promise<string | null> {
  const { rows } = await db.query<{ version: string }>({
    name: "space-loader-version",
    text: `select ${SETTINGS_VERSION} as version from parking_spaces where id = $1`,
    values: [spaceId],
  });
  return rows[0]?.version ?? null;
}
