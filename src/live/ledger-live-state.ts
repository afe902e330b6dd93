// Pure: what the map should show for a space at `now`, derived from the ledger (weekly schedule in
// the space's own time zone, date exceptions, slot-holding bookings). Used to rebuild a cell's live
// state from PostgreSQL when Redis has none; the space actor publishes the same shape as it decides.
import { DateTime } from "luxon";
import type { LiveState, SpaceLiveState } from "./space-live-state.ts";

export interface LedgerSpace {
  id: string;
  lat: number;
  lng: number;
  hourly: number;
  currency: string;
  timezone: string;
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

interface Interval {
  start: number;
  end: number;
}

const HOLDING = new Set(["awaiting_payment", "pending_approval"]);
const OCCUPYING = new Set(["confirmed", "active"]);
const HORIZON_DAYS = 8;

// Time-zone arithmetic is the slow part of a rebuild; spaces of one cell share zones and hours.
const instantCache = new Map<string, number>();

function localInstant(day: DateTime, minute: number): number {
  const key = `${day.zoneName}|${day.toMillis()}|${minute}`;
  let instant = instantCache.get(key);
  if (instant === undefined) {
    instant = day
      .plus({ days: Math.floor(minute / 1440) })
      .set({ hour: Math.floor((minute % 1440) / 60), minute: minute % 60, second: 0, millisecond: 0 })
      .toMillis();
    if (instantCache.size > 50_000) instantCache.clear();
    instantCache.set(key, instant);
  }
  return instant;
}

function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

function subtract(from: Interval[], cut: Interval[]): Interval[] {
  let result = from;
  for (const c of cut) {
    result = result.flatMap((i) => {
      if (c.end <= i.start || c.start >= i.end) return [i];
      const parts: Interval[] = [];
      if (c.start > i.start) parts.push({ start: i.start, end: c.start });
      if (c.end < i.end) parts.push({ start: c.end, end: i.end });
      return parts;
    });
  }
  return result;
}

/** Open intervals (epoch ms) from a day before `now` to the horizon. No weekly window at all: always open. */
export function openIntervals(
  timezone: string,
  windows: readonly WeeklyWindow[],
  exceptions: readonly ScheduleException[],
  now: Date,
): Interval[] {
  const first = DateTime.fromJSDate(now, { zone: timezone }).startOf("day").minus({ days: 1 });
  const horizonEnd = first.plus({ days: HORIZON_DAYS + 1 }).toMillis();
  if (windows.length === 0) return [{ start: first.toMillis(), end: horizonEnd }];
  const weekly: Interval[] = [];
  for (let d = 0; d <= HORIZON_DAYS; d++) {
    const day = first.plus({ days: d });
    const dow = day.weekday % 7;
    for (const w of windows) {
      if (w.day === dow) weekly.push({ start: localInstant(day, w.start), end: localInstant(day, w.end) });
    }
  }
  const extraOpen: Interval[] = [];
  const closed: Interval[] = [];
  for (const e of exceptions) {
    const day = DateTime.fromISO(e.date, { zone: timezone }).startOf("day");
    if (!day.isValid) continue;
    const span =
      e.start === null || e.end === null
        ? { start: day.toMillis(), end: day.plus({ days: 1 }).toMillis() }
        : { start: localInstant(day, e.start), end: localInstant(day, e.end) };
    (e.kind === "open" ? extraOpen : closed).push(span);
  }
  // A closure removes regular hours; extra hours given for a date are open even on a closed date.
  return mergeIntervals([...subtract(mergeIntervals(weekly), closed), ...extraOpen]);
}

/** The live state of one space at `now`. */
export function liveStateFromLedger(
  space: LedgerSpace,
  windows: readonly WeeklyWindow[],
  exceptions: readonly ScheduleException[],
  bookings: readonly LedgerBooking[],
  now: Date,
): SpaceLiveState {
  const t = now.getTime();
  const open = openIntervals(space.timezone, windows, exceptions, now);
  const busy = bookings
    .filter((b) => HOLDING.has(b.status) || OCCUPYING.has(b.status))
    .map((b) => ({ start: b.start.getTime(), end: b.end.getTime(), status: b.status }))
    .filter((b) => b.end > t)
    .sort((a, b) => a.start - b.start);
  const current = busy.find((b) => b.start <= t && t < b.end);
  const openNow = open.find((i) => i.start <= t && t < i.end);

  let state: LiveState;
  if (current) state = OCCUPYING.has(current.status) ? "occupied" : "held";
  else if (!openNow) state = "closed";
  else state = "available";

  const base = { id: space.id, lat: space.lat, lng: space.lng, state };
  const price = { hourly: space.hourly, currency: space.currency };
  const iso = (ms: number) => new Date(ms).toISOString();

  if (state === "available" && openNow) {
    const nextBooking = busy.find((b) => b.start > t);
    const until = Math.min(openNow.end, nextBooking?.start ?? Number.POSITIVE_INFINITY);
    return { ...base, freeUntil: iso(until), ...price };
  }
  const free = subtract(
    open.filter((i) => i.end > t).map((i) => ({ start: Math.max(i.start, t), end: i.end })),
    busy,
  );
  const next = free.find((i) => i.end > i.start);
  return next ? { ...base, nextFreeAt: iso(next.start), ...price } : { ...base, ...price };
}
