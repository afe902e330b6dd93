// Reads for search, straight from the ledger: candidate spaces from H3 cell ranges with their exact
// haversine distance, and for a handful of them everything a booking-window decision needs (weekly
// hours, date exceptions, slot-holding bookings) plus what a result shows.
//
// Why the ledger and not a copy: the space actors commit every accepted command (holds included) to
// PostgreSQL before they answer anyone, so the bookings table is never behind an acknowledged booking
// or hold. Reading it here means a search made a moment after a booking already excludes that slot,
// with no event stream to lag behind.
import type { AvailabilityRules } from "../domain/index.ts";
import { SLOT_HOLDING_STATUSES } from "../domain/space-listing.ts";
import type { LatLngBox } from "../geo/distance.ts";
import { EARTH_RADIUS_M } from "../geo/distance.ts";
import type { CellRange } from "../geo/search-cells.ts";
import type { Queryable } from "./postgres.ts";

/** The longest stay the domain accepts (MAX_WINDOW_MINUTES); longer stored limits are clamped to it. */
const MAX_MINUTES = 366 * 24 * 60;

export interface CandidateQuery {
  readonly ranges: readonly CellRange[];
  readonly lat: number;
  readonly lng: number;
  readonly radiusM: number;
  readonly box: LatLngBox;
  readonly spaceTypes: readonly string[] | null;
  readonly amenities: readonly string[] | null;
  /** Length of the window: spaces whose duration limits refuse it are left out. */
  readonly durationMinutes: number;
  /** Whole minutes from now to the window's start: spaces that need more notice are left out. */
  readonly noticeMinutes: number;
}

export interface Candidate {
  readonly id: string;
  readonly distanceM: number;
  readonly hourly: number;
  readonly daily: number | null;
  readonly monthly: number | null;
}

/** Haversine in SQL, the same formula as haversineMeters (src/geo/distance.ts); $3 = lat, $4 = lng. */
const DISTANCE = `(2 * ${EARTH_RADIUS_M} * asin(least(1, sqrt(
    power(sin(radians(s.lat - $3) / 2), 2)
    + cos(radians($3)) * cos(radians(s.lat)) * power(sin(radians(s.lng - $4) / 2), 2)))))`;

/**
 * Candidates within the radius and passing the cheap filters. Each cell range is one index range
 * scan on parking_spaces_h3_cell_search_idx (the lateral join, kept apart by offset 0, makes the range the scan's bounds);
 * the box and the exact distance cut the edges of the cells.
 */
const CANDIDATES = `
  select s.id, s.distance_m, s.hourly_rate, s.daily_rate, s.monthly_rate
    from unnest($1::text[], $2::text[]) as r (lo, hi)
   cross join lateral (
     select s.id, ${DISTANCE} as distance_m, s.hourly_rate, s.daily_rate, s.monthly_rate
       from parking_spaces s
      where s.h3_cell collate "C" >= r.lo and s.h3_cell collate "C" <= r.hi
        and s.status = 'active'
        and s.lat between $6 and $7
        and ($8::float8 is null or s.lng between $8 and $9)
        and ($10::text[] is null or s.space_type = any ($10))
        and s.min_duration_minutes <= $11
        and (s.max_duration_minutes is null or s.max_duration_minutes >= $11)
        and s.min_notice_minutes <= $12
        and ($13::text[] is null or (select count(*) from space_amenities a
                                      where a.space_id = s.id and a.amenity = any ($13)) = cardinality($13))
        and ${DISTANCE} <= $5
     offset 0) s`;

function candidateParams(q: CandidateQuery): unknown[] {
  return [
    q.ranges.map((r) => r.lo),
    q.ranges.map((r) => r.hi),
    q.lat,
    q.lng,
    q.radiusM,
    q.box.minLat,
    q.box.maxLat,
    q.box.minLng,
    q.box.maxLng,
    q.spaceTypes,
    q.durationMinutes,
    q.noticeMinutes,
    q.amenities,
  ];
}

interface CandidateRow {
  id: string;
  distance_m: number;
  hourly_rate: number;
  daily_rate: number | null;
  monthly_rate: number | null;
}

const toCandidate = (row: CandidateRow): Candidate => ({
  id: row.id,
  distanceM: row.distance_m,
  hourly: row.hourly_rate,
  daily: row.daily_rate,
  monthly: row.monthly_rate,
});

/** Every candidate, unordered (the caller ranks them, e.g. by the price of the window). */
export async function findCandidates(db: Queryable, q: CandidateQuery): Promise<Candidate[]> {
  const { rows } = await db.query<CandidateRow>(CANDIDATES, candidateParams(q));
  return rows.map(toCandidate);
}

/** What a booking-window decision and a search result need about one space. */
export interface SpaceForWindow extends Candidate {
  readonly title: string;
  readonly addressLine1: string;
  readonly city: string;
  readonly postalCode: string;
  readonly country: string;
  readonly lat: number;
  readonly lng: number;
  readonly spaceType: string;
  readonly spaceSize: string;
  readonly bookingMode: string;
  readonly currency: string;
  readonly amenities: readonly string[];
  readonly rules: AvailabilityRules;
  /** Slot-holding bookings that come within the space's buffer of the window, [start, end) in ms. */
  readonly taken: readonly { start: number; end: number }[];
}

/**
 * Space details, rules and the bookings near the window (parameters $start and $end hold the
 * window, as timestamptz) as columns of a query over `parking_spaces s`. Exceptions are read for the local dates around the window
 * only (local dates are within a day of UTC dates); bookings only where they come within the buffer.
 */
const spaceState = (start: string, end: string) => `
  s.title, s.address_line1, s.city, s.postal_code, s.country, s.lat, s.lng, s.space_type, s.space_size,
  s.booking_mode, s.currency, s.timezone, s.buffer_minutes, s.min_notice_minutes,
  least(s.min_duration_minutes, ${MAX_MINUTES}) as min_duration_minutes,
  least(s.max_duration_minutes, ${MAX_MINUTES}) as max_duration_minutes,
  array(select a.amenity from space_amenities a where a.space_id = s.id order by a.amenity) as amenities,
  (select coalesce(json_agg(json_build_array(h.day_of_week, h.start_minute, h.end_minute)), '[]')
     from space_availability h where h.space_id = s.id) as weekly_hours,
  (select coalesce(json_agg(json_build_array(e.local_date::text, e.kind, e.start_minute, e.end_minute)), '[]')
     from space_availability_exceptions e
    where e.space_id = s.id
      and e.local_date between (${start}::timestamptz at time zone 'UTC')::date - 3
                           and (${end}::timestamptz at time zone 'UTC')::date + 3) as exceptions,
  (select coalesce(json_agg(json_build_array(
            (extract(epoch from lower(b.during)) * 1000)::float8,
            (extract(epoch from upper(b.during)) * 1000)::float8)), '[]')
     from bookings b
    where b.space_id = s.id
      and b.status in (${SLOT_HOLDING_STATUSES.map((status) => `'${status}'`).join(", ")})
      and b.during && tstzrange(${start}::timestamptz - make_interval(mins => s.buffer_minutes),
                                ${end}::timestamptz + make_interval(mins => s.buffer_minutes), '[)')) as taken`;

interface SpaceStateRow extends CandidateRow {
  title: string;
  address_line1: string;
  city: string;
  postal_code: string;
  country: string;
  lat: number;
  lng: number;
  space_type: string;
  space_size: string;
  booking_mode: string;
  currency: string;
  timezone: string;
  buffer_minutes: number;
  min_notice_minutes: number;
  min_duration_minutes: number;
  max_duration_minutes: number | null;
  amenities: string[];
  weekly_hours: [number, number, number][];
  exceptions: [string, "closed" | "open", number | null, number | null][];
  taken: [number, number][];
}

const toSpace = (row: SpaceStateRow): SpaceForWindow => ({
  ...toCandidate(row),
  title: row.title,
  addressLine1: row.address_line1,
  city: row.city,
  postalCode: row.postal_code,
  country: row.country,
  lat: row.lat,
  lng: row.lng,
  spaceType: row.space_type,
  spaceSize: row.space_size,
  bookingMode: row.booking_mode,
  currency: row.currency,
  amenities: row.amenities,
  // The ledger's check constraints mirror availabilityRulesSchema (minute ranges, end after start,
  // exception shapes); the search service checks the one thing they cannot: the time zone name.
  rules: {
    timeZone: row.timezone,
    weeklyHours: row.weekly_hours.map(([dayOfWeek, startMinute, endMinute]) => ({
      dayOfWeek,
      startMinute,
      endMinute,
    })),
    exceptions: row.exceptions.map(([localDate, kind, startMinute, endMinute]) => ({
      localDate,
      kind,
      startMinute,
      endMinute,
    })),
    bufferMinutes: row.buffer_minutes,
    minNoticeMinutes: row.min_notice_minutes,
    minDurationMinutes: row.min_duration_minutes,
    maxDurationMinutes: row.max_duration_minutes,
  },
  taken: row.taken.map(([start, end]) => ({ start, end })),
});

export interface WindowRange {
  readonly start: number;
  readonly end: number;
}

/** The spaces of `candidates` (in that order), with rules and the bookings near the window. */
export async function loadForWindow(
  db: Queryable,
  candidates: readonly Candidate[],
  window: WindowRange,
): Promise<SpaceForWindow[]> {
  if (candidates.length === 0) return [];
  const { rows } = await db.query<Omit<SpaceStateRow, "distance_m"> & { id: string }>(
    `select s.id, s.hourly_rate, s.daily_rate, s.monthly_rate, ${spaceState("$2", "$3")}
       from parking_spaces s where s.id = any ($1::uuid[])`,
    [candidates.map((c) => c.id), new Date(window.start), new Date(window.end)],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return candidates.flatMap((candidate) => {
    const row = byId.get(candidate.id);
    return row === undefined ? [] : [toSpace({ ...row, distance_m: candidate.distanceM })];
  });
}
