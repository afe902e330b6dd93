// Pure: what the map should show for a space at `now`, derived from the ledger (weekly schedule in
// the space's own time zone, date exceptions, slot-holding bookings). Used to rebuild a cell's live
// state from PostgreSQL when Redis has none; the space actor publishes the same shape as it decides.
import { openIntervals as domainOpenIntervals } from "../domain/availability.ts";
import type { AvailabilityRules } from "../domain/availability-rules.ts";
import { type Interval, MS_PER_DAY, subtractIntervals } from "../domain/intervals.ts";
import type { LiveState, SpaceLiveState } from "./space-live-state.ts";

export interface LedgerSpace {
  id: string;
  lat: number;
  lng: number;
  hourly: number;
  currency: string;
  timezone: string;
  /** The listing as the map shows it; left out of the state when not given. */
  title?: string;
  spaceType?: SpaceLiveState["spaceType"];
  bookingMode?: SpaceLiveState["bookingMode"];
  /** Sorted. */
  amenities?: SpaceLiveState["amenities"];
}

/** day 0 = Sunday; minutes from local midnight, end may pass 1440 (overnight). */
export interface WeeklyWindow {
  day: number;
  start: number;
  end: number;
}

export interface ScheduleException {
  /** ISO local date, e.g. 2026-12-24. */
  date: string;
  kind: "closed" | "open";
  start: number | null;
  end: number | null;
}

export interface LedgerBooking {
  status: string;
  start: Date;
  end: Date;
}

const HOLDING = new Set(["awaiting_payment", "pending_approval"]);
const OCCUPYING = new Set(["confirmed", "active"]);
/** How far ahead the map state looks (the schedule, and bookings, from now). */
export const LIVE_HORIZON_MS = 8 * MS_PER_DAY;

/** The ledger's rows as the domain's availability rules (the one implementation of opening hours). */
function rulesOf(
  timezone: string,
  windows: readonly WeeklyWindow[],
  exceptions: readonly ScheduleException[],
): AvailabilityRules {
  return {
    timeZone: timezone,
    weeklyHours: windows.map((w) => ({ dayOfWeek: w.day, startMinute: w.start, endMinute: w.end })),
    exceptions: exceptions.map((e) => ({
      localDate: e.date,
      kind: e.kind,
      startMinute: e.start,
      endMinute: e.end,
    })),
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    minDurationMinutes: 1,
    maxDurationMinutes: null,
  };
}

/** Open intervals (epoch ms) from a day before `now` to the horizon, by the domain's rules. */
export function openIntervals(
  timezone: string,
  windows: readonly WeeklyWindow[],
  exceptions: readonly ScheduleException[],
  now: Date,
): Interval[] {
  const t = now.getTime();
  return domainOpenIntervals(rulesOf(timezone, windows, exceptions), t - MS_PER_DAY, t + LIVE_HORIZON_MS);
}

/** The live state of one space at `now`, from the ledger's rows. */
export function liveStateFromLedger(
  space: LedgerSpace,
  windows: readonly WeeklyWindow[],
  exceptions: readonly ScheduleException[],
  bookings: readonly LedgerBooking[],
  now: Date,
): SpaceLiveState {
  const open = openIntervals(space.timezone, windows, exceptions, now);
  const times = bookings.map((b) => ({ status: b.status, start: b.start.getTime(), end: b.end.getTime() }));
  return liveStateOf(space, open, times, now.getTime());
}

/** A booking as the live state needs it (epoch ms). */
export interface LiveBooking {
  status: string;
  start: number;
  end: number;
}

/** The schedule part of each rules object, kept so its compiled form is cached with it (compileRules). */
const schedules = new WeakMap<AvailabilityRules, AvailabilityRules>();

/**
 * The live state of one space at `now` (epoch ms) from the domain's availability rules and the
 * bookings a holder of them has in memory (the space actor), sorted by start: the same derivation
 * as from the ledger. Only the bookings starting before the horizon are looked at (the schedule is
 * read up to it, so later ones change nothing), found by a binary search: a garage holding
 * thousands of bookings months ahead costs what its next days hold.
 */
export function liveStateFromRules(
  space: LedgerSpace,
  rules: AvailabilityRules,
  bookings: readonly LiveBooking[],
  now: number,
): SpaceLiveState {
  let scheduleOnly = schedules.get(rules);
  if (scheduleOnly === undefined) {
    scheduleOnly = {
      ...rules,
      bufferMinutes: 0,
      minNoticeMinutes: 0,
      minDurationMinutes: 1,
      maxDurationMinutes: null,
    };
    schedules.set(rules, scheduleOnly);
  }
  const open = domainOpenIntervals(scheduleOnly, now - MS_PER_DAY, now + LIVE_HORIZON_MS);
  return liveStateOf(space, open, bookings.slice(0, startingBefore(bookings, now + LIVE_HORIZON_MS)), now);
}

/** How many of `bookings` (sorted by start) start before `at`. */
function startingBefore(bookings: readonly LiveBooking[], at: number): number {
  let lo = 0;
  let hi = bookings.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bookings[mid]!.start < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function liveStateOf(
  space: LedgerSpace,
  open: readonly Interval[],
  bookings: readonly LiveBooking[],
  t: number,
): SpaceLiveState {
  const busy = bookings
    .filter((b) => HOLDING.has(b.status) || OCCUPYING.has(b.status))
    .map((b) => ({ start: b.start, end: b.end, status: b.status }))
    .filter((b) => b.end > t)
    .sort((a, b) => a.start - b.start);
  const current = busy.find((b) => b.start <= t && t < b.end);
  const openNow = open.find((i) => i.start <= t && t < i.end);

  let state: LiveState;
  if (current) state = OCCUPYING.has(current.status) ? "occupied" : "held";
  else if (!openNow) state = "closed";
  else state = "available";

  const base = { id: space.id, lat: space.lat, lng: space.lng, state };
  const price = {
    hourly: space.hourly,
    currency: space.currency,
    ...(space.title === undefined ? {} : { title: space.title }),
    ...(space.spaceType === undefined ? {} : { spaceType: space.spaceType }),
    ...(space.bookingMode === undefined ? {} : { bookingMode: space.bookingMode }),
    ...(space.amenities === undefined ? {} : { amenities: space.amenities }),
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  if (state === "available" && openNow) {
    const nextBooking = busy.find((b) => b.start > t);
    const until = Math.min(openNow.end, nextBooking?.start ?? Number.POSITIVE_INFINITY);
    return { ...base, freeUntil: iso(until), ...price };
  }
  const free = subtractIntervals(
    open.filter((i) => i.end > t).map((i) => ({ start: Math.max(i.start, t), end: i.end })),
    busy,
  );
  const next = free.find((i) => i.end > i.start);
  return next ? { ...base, nextFreeAt: iso(next.start), ...price } : { ...base, ...price };
}
