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
import type { SortKey } from "../search/search-cursor.ts";
import { haversineSql } from "./haversine-sql.ts";
import type { Queryable } from "./postgres.ts";
import { priceBoundParams, priceLowerBoundSql, priceUpperBoundSql } from "./price-bounds-sql.ts";
import { priceWalkStatement } from "./price-walk-sql.ts";
import type { SpaceRulesCache, VersionedRules } from "./space-rules-cache.ts";
import type { LadderMinutes } from "./stay-price-keys.ts";

/** The longest stay the domain accepts (MAX_WINDOW_MINUTES); longer stored limits are clamped to it. */
const MAX_MINUTES = 366 * 24 * 60;

/** A cell range to read; `inside` when every point of its cells lies within the radius. */
export interface SearchRange extends CellRange {
  readonly inside: boolean;
}

export interface CandidateQuery {
  readonly ranges: readonly SearchRange[];
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
  /** Spaces whose price key is above it are left out (their price is too). */
  readonly maxPrice: number | null;
}

export interface Candidate {
  readonly id: string;
  readonly distanceM: number;
  readonly hourly: number;
  readonly daily: number | null;
  readonly monthly: number | null;
  /** A lower bound of the window's price (src/storage/price-bounds-sql.ts), for ordering only. */
  readonly priceKey: number;
  /** The space's row, rules and bookings near the window, when the read that found it took them too. */
  readonly loaded?: LoadedSpaceRow;
}

/** Where a read stopped: every candidate not returned comes strictly after `after` in its order. */
export interface CandidatePage {
  readonly candidates: Candidate[];
  /** null when nothing is left to read. */
  readonly after: SortKey | null;
}

/** Haversine from the searched point ($4 = lat, $5 = lng) to `alias`.lat/lng. */
const distance = (alias: string) => haversineSql(alias, "$4", "$5");

const BOUND_PARAMS = { fullDays: "$15", restMinutes: "$16", monthMinutes: "$17" };
const PRICE_LOW = priceLowerBoundSql("s", BOUND_PARAMS);
const PRICE_HIGH = priceUpperBoundSql("s", BOUND_PARAMS);

/**
 * The scan of one cell range (`r`): an index range scan on parking_spaces_h3_cell_search_idx (the
 * lateral join, kept apart by offset 0, makes the range the scan's bounds) with the cheap filters;
 * the box and, for ranges not wholly inside the radius, the exact distance cut the edges of the cells.
 */
const RANGE_SCAN = (columns: string, distanceFilter: string) => `
  select ${columns}
    from parking_spaces s
   where s.h3_cell collate "C" >= r.lo and s.h3_cell collate "C" <= r.hi
     and s.status = 'active'
     and s.lat between $7 and $8
     and ($9::float8 is null or s.lng between $9 and $10)
     and ($11::text[] is null or s.space_type = any ($11))
     and s.min_duration_minutes <= $12
     and (s.max_duration_minutes is null or s.max_duration_minutes >= $12)
     and s.min_notice_minutes <= $13
     and ($14::text[] is null or (select count(*) from space_amenities a
                                   where a.space_id = s.id and a.amenity = any ($14)) = cardinality($14))
     and ($18::bigint is null or ${PRICE_LOW} <= $18)
     ${distanceFilter}
  offset 0`;

const RANGES = `unnest($1::text[], $2::text[], $3::bool[]) as r (lo, hi, inside)`;

/** Every candidate of the ranges at or after the read's position ($20, the lowest price key it leaves) and the page cursor's price ($24). */
const PRICED = `
    select s.*
      from ${RANGES}
     cross join lateral (${RANGE_SCAN(
       `s.id, s.lat, s.lng, s.hourly_rate, s.daily_rate, s.monthly_rate,
        ${PRICE_LOW} as price_low, ${PRICE_HIGH} as price_high`,
       `and (r.inside or ${distance("s")} <= $6)`,
     )}) s
     where ($20::bigint is null or s.price_low >= $20)
       and ($24::bigint is null or s.price_high >= $24)`;

/**
 * Cheapest first by price key, then distance and id, after $21/$22/$23 (the read's position in that
 * order) and, for a page cursor, after $24/$25/$26 by the price's upper bound (a space whose price
 * cannot exceed the cursor's is behind it). Two passes over the ranges: the first finds the $19th
 * lowest price key (a bounded sort), the second takes every candidate up to it, ties included, and
 * only those few pay for the haversine and the full sort (one pass sorting every candidate with its
 * ties costs about twice as much).
 */
const CHEAPEST = `
  with cut as (
    select count(*)::int as tied, max(price_low) as last_low
      from (select s.price_low from (${PRICED}) s order by s.price_low limit $19) k
  ), top as (
    select s.* from (${PRICED}) s where s.price_low <= (select last_low from cut)
  ), placed as (
    select top.*, ${distance("top")} as distance_m from top
  )
  select m.tied, m.last_low, c.*
    from cut m
    left join lateral (
      select p.id, p.distance_m, p.hourly_rate, p.daily_rate, p.monthly_rate, p.price_low
        from placed p
       where ($21::bigint is null or (p.price_low, p.distance_m, p.id) > ($21, $22, $23::uuid))
         and ($24::bigint is null or (p.price_high, p.distance_m, p.id) > ($24, $25, $26::uuid))
       order by p.price_low, p.distance_m, p.id
       limit $19) c on true`;

/**
 * The filter values both candidate statements take side by side, in this order: point, radius, box,
 * space types, duration, notice, amenities, the price-bound terms and the price cap.
 */
function filterParams(q: CandidateQuery): unknown[] {
  const bounds = priceBoundParams(q.durationMinutes);
  return [
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
    bounds.fullDays,
    bounds.restMinutes,
    bounds.monthMinutes,
    q.maxPrice,
  ];
}

function candidateParams(q: CandidateQuery, limit: number): unknown[] {
  return [
    q.ranges.map((r) => r.lo),
    q.ranges.map((r) => r.hi),
    q.ranges.map((r) => r.inside),
    ...filterParams(q),
    limit,
  ];
}

interface CandidateRow {
  id: string;
  distance_m: number;
  hourly_rate: number;
  daily_rate: number | null;
  monthly_rate: number | null;
  /** bigint: text. */
  price_low: string;
}

const toCandidate = (row: CandidateRow): Candidate => ({
  id: row.id,
  distanceM: row.distance_m,
  hourly: row.hourly_rate,
  daily: row.daily_rate,
  monthly: row.monthly_rate,
  priceKey: Number(row.price_low),
});

/** The largest uuid: a key with it sorts after every space at its price and distance. */
const LAST_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff";

/**
 * The `limit` candidates with the lowest price keys after `from` (a position in price-key order),
 * cheapest first, leaving out those whose price cannot be above `cursor` (a page cursor: price,
 * distance, id of the last result shown).
 */
export async function cheapestCandidates(
  db: Queryable,
  q: CandidateQuery,
  from: SortKey | null,
  cursor: SortKey | null,
  limit: number,
): Promise<CandidatePage> {
  const { rows } = await db.query<CandidateRow & { tied: number; last_low: string | null }>(CHEAPEST, [
    ...candidateParams(q, limit),
    // Keys are whole minor units: "after every space at price P" leaves P + 1 and up.
    from === null ? null : from.distanceM === Number.POSITIVE_INFINITY ? from.price! + 1 : from.price,
    ...keyParams(from),
    ...keyParams(cursor),
  ]);
  const head = rows[0]!;
  const candidates = rows.flatMap((row) => (row.id === null ? [] : [toCandidate(row)]));
  const last = candidates.at(-1);
  if (candidates.length === limit && last !== undefined) return { candidates, after: priceKeyOf(last) };
  // Fewer than asked: every candidate up to the last key taken (ties included) was read.
  if (head.tied < limit || head.last_low === null) return { candidates, after: null };
  return {
    candidates,
    after: { price: Number(head.last_low), distanceM: Number.POSITIVE_INFINITY, id: LAST_ID },
  };
}

/** What one read of the price walk over blocks found. */
export interface BlockWalkPage {
  /** After the reading position, cheapest first (price, distance, id). */
  readonly candidates: Candidate[];
  /** Every candidate not read has a stored key, so a price, at least this; null when all were read. */
  readonly bound: number | null;
}

/**
 * The price walk over price blocks (src/storage/price-walk-sql.ts): the first `perBlock`
 * candidates of each of `blocks` by the stored key of ladder step `step`, and of those the `limit`
 * cheapest after `from`, leaving out those whose price cannot be above `cursor` (a page cursor).
 */
export async function cheapestInBlocks(
  db: Queryable,
  q: CandidateQuery,
  walk: { blocks: readonly string[]; step: LadderMinutes; perBlock: number },
  from: SortKey | null,
  cursor: SortKey | null,
  limit: number,
): Promise<BlockWalkPage> {
  const { rows } = await db.query<CandidateRow & { bound: string | null }>({
    ...priceWalkStatement(walk.step),
    values: [walk.blocks, ...filterParams(q), walk.perBlock, limit, ...keyParams(from), ...keyParams(cursor)],
  });
  const head = rows[0]!;
  return {
    candidates: rows.flatMap((row) => (row.id === null ? [] : [toCandidate(row)])),
    bound: head.bound === null ? null : Number(head.bound),
  };
}

const priceKeyOf = (c: Candidate): SortKey => ({ price: c.priceKey, distanceM: c.distanceM, id: c.id });

/** A sort key as three query parameters (price, distance, id), all null for none. */
const keyParams = (key: SortKey | null) => [key?.price ?? null, key?.distanceM ?? null, key?.id ?? null];

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

/** How a space row's version reads (its updated_at to the microsecond, as the space actor reads it). */
const VERSION = `to_char(s.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;

/** What a result shows and a window check needs of space `s`, but its rules and bookings. */
const DETAILS = `s.id, s.hourly_rate, s.daily_rate, s.monthly_rate, ${VERSION} as version,
    s.title, s.address_line1, s.city, s.postal_code, s.country, s.lat, s.lng, s.space_type, s.space_size,
    s.booking_mode, s.currency, s.timezone, s.buffer_minutes, s.min_notice_minutes,
    least(s.min_duration_minutes, ${MAX_MINUTES}) as min_duration_minutes,
    least(s.max_duration_minutes, ${MAX_MINUTES}) as max_duration_minutes`;

/** Slot-holding bookings of space `alias` within its buffer of the window (`start`, `end`: timestamptz). */
const TAKEN = (alias: string, start: string, end: string) => `
    (select coalesce(json_agg(json_build_array(
              (extract(epoch from lower(b.during)) * 1000)::float8,
              (extract(epoch from upper(b.during)) * 1000)::float8)), '[]')
       from bookings b
      where b.space_id = ${alias}.id
        and b.status in (${SLOT_HOLDING_STATUSES.map((status) => `'${status}'`).join(", ")})
        and b.during && tstzrange(${start}::timestamptz - make_interval(mins => ${alias}.buffer_minutes),
                                  ${end}::timestamptz + make_interval(mins => ${alias}.buffer_minutes), '[)')) as taken`;

/**
 * Space details, rules and the bookings near the window ($2, $3: timestamptz) for the spaces of
 * `k (id, known)`, where `known` is the version of the space the caller's cache holds: weekly hours,
 * date exceptions and amenities are read only for spaces whose version differs. Bookings are always
 * read (only those within the buffer of the window).
 */
const SPACES_FOR_WINDOW = `
  select ${DETAILS},
    case when k.known is distinct from ${VERSION} then
      array(select a.amenity from space_amenities a where a.space_id = s.id order by a.amenity) end as amenities,
    case when k.known is distinct from ${VERSION} then
      (select coalesce(json_agg(json_build_array(h.day_of_week, h.start_minute, h.end_minute)), '[]')
         from space_availability h where h.space_id = s.id) end as weekly_hours,
    case when k.known is distinct from ${VERSION} then
      (select coalesce(json_agg(json_build_array(e.local_date::text, e.kind, e.start_minute, e.end_minute)), '[]')
         from space_availability_exceptions e where e.space_id = s.id) end as exceptions,
    ${TAKEN("s", "$2", "$3")}
    from unnest($1::uuid[], $4::text[]) as k (id, known)
    join parking_spaces s on s.id = k.id`;

/** A space row as SPACES_FOR_WINDOW gives it: rules and amenities null when the cache holds its version. */
interface SpaceStateRow {
  id: string;
  hourly_rate: number;
  daily_rate: number | null;
  monthly_rate: number | null;
  version: string;
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
  amenities: string[] | null;
  weekly_hours: [number, number, number][] | null;
  exceptions: [string, "closed" | "open", number | null, number | null][] | null;
  taken: [number, number][];
}

/** A space row as the nearest read gives it: everything, rules and amenities included. */
export interface LoadedSpaceRow extends SpaceStateRow {
  amenities: string[];
  weekly_hours: [number, number, number][];
  exceptions: [string, "closed" | "open", number | null, number | null][];
}

function rulesOf(row: SpaceStateRow): VersionedRules {
  // The ledger's check constraints mirror availabilityRulesSchema (minute ranges, end after start,
  // exception shapes); the search service checks the one thing they cannot: the time zone name.
  return {
    version: row.version,
    amenities: row.amenities ?? [],
    rules: {
      timeZone: row.timezone,
      weeklyHours: (row.weekly_hours ?? []).map(([dayOfWeek, startMinute, endMinute]) => ({
        dayOfWeek,
        startMinute,
        endMinute,
      })),
      exceptions: (row.exceptions ?? []).map(([localDate, kind, startMinute, endMinute]) => ({
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
  };
}

const toSpace = (row: SpaceStateRow, candidate: Candidate, fixed: VersionedRules): SpaceForWindow => ({
  id: row.id,
  distanceM: candidate.distanceM,
  priceKey: candidate.priceKey,
  hourly: row.hourly_rate,
  daily: row.daily_rate,
  monthly: row.monthly_rate,
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
  amenities: fixed.amenities,
  rules: fixed.rules,
  taken: row.taken.map(([start, end]) => ({ start, end })),
});

export interface WindowRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The spaces of `candidates` (in that order), with rules and the bookings near the window. A
 * candidate whose read already took all of it (`loaded`, the distance order) needs no query and no
 * cache; the others take one round trip together, where rules and amenities of spaces whose row
 * version is unchanged come from the cache. Bookings are always read from the ledger.
 */
export async function loadForWindow(
  db: Queryable,
  candidates: readonly Candidate[],
  window: WindowRange,
  cache?: SpaceRulesCache,
): Promise<SpaceForWindow[]> {
  if (candidates.length === 0) return [];
  const known = candidates.map((c) => cache?.get(c.id));
  // A row the read took whole carries its rules: nothing to look up or keep (keeping every space a
  // distance search passes would only grow the cache and the garbage collector's work).
  const ready = candidates.map((c) => (c.loaded === undefined ? undefined : rulesOf(c.loaded)));
  const missing = candidates.filter((_, i) => ready[i] === undefined);
  const byId = new Map<string, SpaceStateRow>();
  if (missing.length > 0) {
    const { rows } = await db.query<SpaceStateRow>({
      name: "search-spaces-for-window",
      text: SPACES_FOR_WINDOW,
      values: [
        missing.map((c) => c.id),
        new Date(window.start),
        new Date(window.end),
        missing.map((c) => cache?.get(c.id)?.version ?? null),
      ],
    });
    for (const row of rows) byId.set(row.id, row);
  }
  return candidates.flatMap((candidate, i) => {
    const fixed = ready[i];
    if (fixed !== undefined) return [toSpace(candidate.loaded!, candidate, fixed)];
    const row = byId.get(candidate.id);
    if (row === undefined) return [];
    let rules = known[i];
    if (rules === undefined || rules.version !== row.version || row.weekly_hours !== null) {
      rules = rulesOf(row);
      cache?.set(row.id, rules);
    }
    return [toSpace(row, candidate, rules)];
  });
}

/** Haversine from the searched point ($1 = lat, $2 = lng) to `alias`.lat/lng. */
const distanceFromOrigin = (alias: string) => haversineSql(alias, "$1", "$2");

/**
 * The great-circle distance, in EARTH_RADIUS_M metres, whose chord on earthdistance's sphere is
 * `chord` (both sides on one sphere: the order of chords is the order of haversine distances).
 */
const reachOf = (chord: string) => `(2 * ${EARTH_RADIUS_M} * asin(least(1, ${chord} / (2 * earth()))))`;
/** The chord of a great-circle distance in EARTH_RADIUS_M metres (the inverse of reachOf). */
const chordOf = (metres: string) =>
  `(2 * earth() * sin(least(pi() / 2, ${metres} / (2 * ${EARTH_RADIUS_M}))))`;

const ORIGIN = "ll_to_earth($1, $2)";
const NEAREST_PRICE_LOW = priceLowerBoundSql("s", {
  fullDays: "$12",
  restMinutes: "$13",
  monthMinutes: "$14",
});

/**
 * Nearest first over the earth index (parking_spaces_earth_idx): `raw` is a GiST KNN scan that reads
 * active spaces in order of their chord to the searched point, at or beyond $17 (a reach in metres:
 * a read position; null from the start), and stops after $20 of them. It has no other condition,
 * so the planner has no plan but that scan for it (a radius box on the index made it prefer a
 * bitmap scan of the whole radius and a sort). Of those, the first $16 within the radius ($3, exact
 * haversine, after the box $4–$7 in degrees) that pass the cheap filters ($8 types, $9 duration, $10 notice, $11 amenities, $15
 * price cap over the price bound of $12–$14) come out nearest first, each with what a result shows
 * and everything a window check needs: rules, amenities and the slot-holding bookings near the
 * window ($18, $19), so a page takes no other read. Every row also says how many spaces the scan
 * read and how far the last of them lies.
 */
const NEAREST = `
  with raw as (
    select s.*, ll_to_earth(s.lat, s.lng) <-> ${ORIGIN} as chord
      from parking_spaces s
     where s.status = 'active'
       and ($17::float8 is null or ll_to_earth(s.lat, s.lng) <-> ${ORIGIN} >= ${chordOf("$17::float8")})
     order by ll_to_earth(s.lat, s.lng) <-> ${ORIGIN}
     limit $20
  ), scanned as (
    select count(*)::int as scanned, ${reachOf("max(chord)")} as scanned_reach_m from raw
  ), near as (
    select ${DETAILS}, ${distanceFromOrigin("s")} as distance_m, ${NEAREST_PRICE_LOW} as price_low,
           ${reachOf("s.chord")} as reach_m
      from raw s
     where ${distanceFromOrigin("s")} <= $3
       and ($8::text[] is null or s.space_type = any ($8))
       and s.min_duration_minutes <= $9
       and (s.max_duration_minutes is null or s.max_duration_minutes >= $9)
       and s.min_notice_minutes <= $10
       and ($11::text[] is null or (select count(*) from space_amenities a
                                     where a.space_id = s.id and a.amenity = any ($11)) = cardinality($11))
       and ($15::bigint is null or ${NEAREST_PRICE_LOW} <= $15)
       and s.lat between $4 and $5
       and ($6::float8 is null or s.lng between $6 and $7)
     order by s.chord
     limit $16
  )
  select c.scanned, c.scanned_reach_m, n.*, ${TAKEN("n", "$18", "$19")},
    array(select a.amenity from space_amenities a where a.space_id = n.id order by a.amenity) as amenities,
    (select coalesce(json_agg(json_build_array(h.day_of_week, h.start_minute, h.end_minute)), '[]')
       from space_availability h where h.space_id = n.id) as weekly_hours,
    (select coalesce(json_agg(json_build_array(e.local_date::text, e.kind, e.start_minute, e.end_minute)), '[]')
       from space_availability_exceptions e where e.space_id = n.id) as exceptions
    from scanned c
    left join near n on true`;

/** What the nearest read found: candidates nearest first, each with its row and bookings. */
export interface NearestPage {
  readonly candidates: Candidate[];
  /** Every space not returned is at least this far (metres, haversine); null when all were read. */
  readonly reach: number | null;
}

type NearestRow = LoadedSpaceRow & {
  scanned: number;
  scanned_reach_m: number | null;
  distance_m: number;
  price_low: string;
  reach_m: number;
};

/**
 * The `limit` spaces nearest to the searched point at or beyond `from` metres (null: from the
 * point) among the next `scan` active spaces, each with its row and the bookings near `window`,
 * nearest first (distance, id).
 */
export async function nearestForWindow(
  db: Queryable,
  q: CandidateQuery,
  window: WindowRange,
  from: number | null,
  limit: number,
  scan: number,
): Promise<NearestPage> {
  const { rows } = await db.query<NearestRow>({
    name: "search-nearest",
    text: NEAREST,
    values: [...filterParams(q), limit, from, new Date(window.start), new Date(window.end), scan],
  });
  const head = rows[0]!;
  const found = rows.filter((row) => row.id !== null);
  const candidates = found
    .map(
      (row): Candidate => ({
        id: row.id,
        distanceM: row.distance_m,
        hourly: row.hourly_rate,
        daily: row.daily_rate,
        monthly: row.monthly_rate,
        priceKey: Number(row.price_low),
        loaded: row,
      }),
    )
    .sort((a, b) => a.distanceM - b.distanceM || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const last = found.at(-1);
  if (found.length === limit && last !== undefined) return { candidates, reach: last.reach_m };
  // Fewer than asked: the scan read to its end, or past the radius, or stopped at its budget.
  const ended = head.scanned < scan || head.scanned_reach_m === null || head.scanned_reach_m > q.radiusM;
  return { candidates, reach: ended ? null : head.scanned_reach_m };
}
