// Whether new availability rules would break bookings already made: a booking that holds a slot must
// stay open throughout its remaining time under the rules that replace the current ones. Pure.

import { isOpenThroughout, MAX_QUERY_MS } from "./availability.ts";
import type { AvailabilityRules } from "./availability-rules.ts";
import type { Interval } from "./intervals.ts";

/**
 * The bookings whose remaining time, [max(start, now), end), is not open throughout under `rules`.
 * Time already past cannot be broken by a change, so only what is left of a booking is checked.
 * Bookings that have ended by `now` never clash. Order of `bookings` is kept.
 */
export function bookingsOutsideRules<T extends Interval>(
  rules: AvailabilityRules,
  bookings: readonly T[],
  now: number,
): T[] {
  return bookings.filter((booking) => {
    const start = Math.max(booking.start, now);
    return booking.end > start && !isOpenInChunks(rules, start, booking.end);
  });
}

/** isOpenThroughout over a window of any length (the interval queries accept at most MAX_QUERY_MS). */
function isOpenInChunks(rules: AvailabilityRules, start: number, end: number): boolean {
  for (let from = start; from < end; from += MAX_QUERY_MS) {
    if (!isOpenThroughout(rules, { start: from, end: Math.min(end, from + MAX_QUERY_MS) })) return false;
  }
  return true;
}
