// When a space is open, when it is free, and whether a requested window may be booked: the one
// implementation that the space actor, search and the live map all call. Pure; times are UTC epoch ms.
import {
  type AvailabilityRules,
  type CompiledRules,
  compileRules,
  dayOfWeekOf,
  type MinuteRange,
} from "./availability-rules.ts";
import {
  containsWindow,
  type Interval,
  MS_PER_DAY,
  MS_PER_MINUTE,
  sortAndMerge,
  subtractIntervals,
  unionIntervals,
} from "./intervals.ts";
import type { ZoneClock } from "./zone-clock.ts";

/**
 * The open intervals of a space within [from, to): weekly hours, minus closed exceptions, plus
 * extra hours, evaluated on the wall clock of the space's time zone. Sorted, merged, clipped to the
 * window. Only the local dates that can touch the window are evaluated.
 *
 * Wall times map to instants as "the first instant the clock shows that time or later": hours that
 * a spring-forward gap skips are simply not open (02:00–03:00 on that day is empty, 01:00–04:00
 * lasts two hours), and an hour repeated by a fall-back belongs to the range that contains its wall
 * time, both passes included (00:00–03:00 lasts four hours; 02:00–03:00 lasts two).
 */
export function openIntervals(rules: AvailabilityRules, from: number, to: number): Interval[] {
  if (!(to > from)) return [];
  assertQueryRange(from, to);
  return openWithin(compileRules(rules), from, to);
}

/**
 * The free intervals within [from, to): open intervals minus every taken interval (bookings and
 * holds that hold the slot) widened by the space's buffer on both sides.
 */
export function freeIntervals(
  rules: AvailabilityRules,
  taken: readonly Interval[],
  from: number,
  to: number,
): Interval[] {
  if (!(to > from)) return [];
  assertQueryRange(from, to);
  const compiled = compileRules(rules);
  const open = openWithin(compiled, from, to);
  if (open.length === 0 || taken.length === 0) return open;
  const buffer = compiled.bufferMs;
  const blocked: Interval[] = [];
  for (const t of taken) {
    if (t.end <= t.start) continue;
    const start = t.start - buffer;
    const end = t.end + buffer;
    if (end > from && start < to) blocked.push({ start, end });
  }
  return subtractIntervals(open, sortAndMerge(blocked));
}

/** True when the schedule keeps the space open for the whole of `window` (bookings not considered). */
export function isOpenThroughout(rules: AvailabilityRules, window: Interval): boolean {
  if (!(window.end > window.start)) return false;
  assertQueryRange(window.start, window.end);
  return containsWindow(openWithin(compileRules(rules), window.start, window.end), window);
}

export type WindowRejection =
  /** end ≤ start, not on whole minutes, or not a finite integer. */
  | { readonly ok: false; readonly reason: "invalid_window" }
  /** Starts before now + minimum notice; `earliestStart` is that bound. */
  | { readonly ok: false; readonly reason: "too_soon"; readonly earliestStart: number }
  /** Starts later than now + the booking horizon; `latestStart` is that bound. */
  | { readonly ok: false; readonly reason: "beyond_horizon"; readonly latestStart: number }
  | { readonly ok: false; readonly reason: "too_short"; readonly minDurationMinutes: number }
  /** Longer than maxDurationMinutes, or than MAX_WINDOW_MINUTES when the space sets no maximum. */
  | { readonly ok: false; readonly reason: "too_long"; readonly maxDurationMinutes: number }
  /** Some part of the window is outside the space's opening hours. */
  | { readonly ok: false; readonly reason: "outside_schedule" }
  /** Overlaps a taken interval widened by the buffer; `conflict` is that taken interval. */
  | { readonly ok: false; readonly reason: "slot_unavailable"; readonly conflict: Interval };

/** How many days ahead a booking may start unless the deployment says otherwise (BOOKING_HORIZON_DAYS). */
export const DEFAULT_BOOKING_HORIZON_DAYS = 365;

export type WindowDecision = { readonly ok: true } | WindowRejection;
export type WindowRejectionReason = WindowRejection["reason"];

const ACCEPTED: WindowDecision = Object.freeze({ ok: true });
const INVALID_WINDOW: WindowDecision = Object.freeze({ ok: false, reason: "invalid_window" });
const OUTSIDE_SCHEDULE: WindowDecision = Object.freeze({ ok: false, reason: "outside_schedule" });

/**
 * Decides whether `window` may be booked at `now`, given the intervals already `taken` (bookings
 * and holds that hold the slot, excluding the booking being changed, if any). Checks run in this
 * order and the first failure is returned: invalid_window, too_short, too_long, too_soon,
 * beyond_horizon, outside_schedule, slot_unavailable. Accepted exactly when the window lies inside
 * one interval of `freeIntervals` and meets the notice, horizon and duration rules. The horizon
 * (deployment-wide, BOOKING_HORIZON_DAYS) is how far ahead a booking may start.
 */
export function checkWindow(
  rules: AvailabilityRules,
  taken: readonly Interval[],
  window: Interval,
  now: number,
  horizonDays: number = DEFAULT_BOOKING_HORIZON_DAYS,
): WindowDecision {
  const { start, end } = window;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    end <= start ||
    start % MS_PER_MINUTE !== 0 ||
    end % MS_PER_MINUTE !== 0
  ) {
    return INVALID_WINDOW;
  }
  const compiled = compileRules(rules);
  const duration = end - start;
  if (duration < compiled.minDurationMs) {
    return { ok: false, reason: "too_short", minDurationMinutes: compiled.minDurationMs / MS_PER_MINUTE };
  }
  if (duration > compiled.maxDurationMs) {
    return { ok: false, reason: "too_long", maxDurationMinutes: compiled.maxDurationMs / MS_PER_MINUTE };
  }
  const earliestStart = now + compiled.noticeMs;
  if (start < earliestStart) return { ok: false, reason: "too_soon", earliestStart };
  const latestStart = now + horizonDays * MS_PER_DAY;
  if (start > latestStart) return { ok: false, reason: "beyond_horizon", latestStart };
  if (!containsWindow(openWithin(compiled, start, end), window)) return OUTSIDE_SCHEDULE;
  const buffer = compiled.bufferMs;
  for (const t of taken) {
    if (t.end > t.start && t.start - buffer < end && t.end + buffer > start) {
      return { ok: false, reason: "slot_unavailable", conflict: t };
    }
  }
  return ACCEPTED;
}

/** Longest [from, to) the interval queries accept: a booking's maximum plus margin (400 days). */
export const MAX_QUERY_MS = 400 * MS_PER_DAY;

/** A caller bug, not user input (boundaries validate first): refuse rather than loop for years. */
function assertQueryRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to - from > MAX_QUERY_MS) {
    throw new RangeError(`availability query range must be finite and at most 400 days: [${from}, ${to})`);
  }
}

function openWithin(compiled: CompiledRules, from: number, to: number): Interval[] {
  const { clock, weekly, closedByDay, openByDay } = compiled;
  // A range of day D may end up to two local days later (end minute ≤ 2880), and around a
  // fall-back at midnight the next date may start before `to`'s own date: hence the margins.
  const firstDay = clock.localDayOf(from) - 1;
  const lastDay = clock.localDayOf(to - 1) + 1;
  const base: Interval[] = [];
  let closed: Interval[] | undefined;
  let extra: Interval[] | undefined;
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = day * MS_PER_DAY;
    for (const range of weekly[dayOfWeekOf(day)]!) pushClipped(base, clock, midnight, range, from, to);
    if (closedByDay.size > 0) {
      const ranges = closedByDay.get(day);
      if (ranges !== undefined) {
        closed ??= [];
        for (const range of ranges) pushClipped(closed, clock, midnight, range, from, to);
      }
    }
    if (openByDay.size > 0) {
      const ranges = openByDay.get(day);
      if (ranges !== undefined) {
        extra ??= [];
        for (const range of ranges) pushClipped(extra, clock, midnight, range, from, to);
      }
    }
  }
  let open = sortAndMerge(base);
  if (closed !== undefined && closed.length > 0) open = subtractIntervals(open, sortAndMerge(closed));
  if (extra !== undefined && extra.length > 0) open = unionIntervals(open, sortAndMerge(extra));
  return open;
}

function pushClipped(
  out: Interval[],
  clock: ZoneClock,
  midnight: number,
  range: MinuteRange,
  from: number,
  to: number,
): void {
  const start = Math.max(clock.instantOfWall(midnight + range.startMinute * MS_PER_MINUTE), from);
  const end = Math.min(clock.instantOfWall(midnight + range.endMinute * MS_PER_MINUTE), to);
  if (end > start) out.push({ start, end });
}
