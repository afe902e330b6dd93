// How availability is shown on the wire: free intervals in UTC and in the space's local time (ISO
// with the offset in force at each end, so a DST change inside an interval is visible), and the
// rules (weekly schedule and date exceptions) as hosts write them.
import { DateTime } from "luxon";
import type { AvailabilityRules } from "../../src/domain/availability-rules.ts";
import { toExceptionEntry } from "../../src/domain/date-exceptions.ts";
import type { Interval } from "../../src/domain/intervals.ts";
import { MS_PER_MINUTE } from "../../src/domain/intervals.ts";
import { toEntry } from "../../src/domain/opening-hours.ts";

/** An instant as ISO 8601 in `timeZone`, with that zone's offset at the instant. */
export function localIso(instant: number, timeZone: string): string {
  return DateTime.fromMillis(instant, { zone: timeZone }).toISO()!;
}

/** Today's date (YYYY-MM-DD) on the wall calendar of `timeZone`. */
export function localToday(timeZone: string, now = Date.now()): string {
  return DateTime.fromMillis(now, { zone: timeZone }).toISODate()!;
}

export function toFreeIntervalView(interval: Interval, timeZone: string) {
  return {
    start: new Date(interval.start).toISOString(),
    end: new Date(interval.end).toISOString(),
    localStart: localIso(interval.start, timeZone),
    localEnd: localIso(interval.end, timeZone),
    timeZone,
    minutes: Math.floor((interval.end - interval.start) / MS_PER_MINUTE),
  };
}

/** The schedule, and the exceptions dated from the space's local today on (older ones no longer apply). */
export function toRulesView(rules: AvailabilityRules, now = Date.now()) {
  const today = localToday(rules.timeZone, now);
  return {
    timeZone: rules.timeZone,
    schedule: rules.weeklyHours.map((row) => ({ ...toEntry(row), ...row })),
    exceptions: rules.exceptions.filter((e) => e.localDate >= today).map(toExceptionEntry),
  };
}
