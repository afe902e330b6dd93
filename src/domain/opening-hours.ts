// Weekly opening hours as hosts write them ({dayOfWeek, start "HH:MM", end "HH:MM"}) and as the
// ledger stores them (minutes from local midnight; an end at or before the start runs overnight into
// the next day, stored as end + 1440). Pure: parsing, overlap detection on the weekly circle, formatting.
import type { WeeklyHours } from "./availability-rules.ts";

export const MINUTES_PER_DAY = 1440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** What a host sends: local wall-clock times; dayOfWeek 0 = Sunday … 6 = Saturday. */
export interface OpeningHoursEntry {
  dayOfWeek: number;
  start: string;
  end: string;
}

/** One row of space_availability (the availability rules' WeeklyHours): end may pass 1440, up to 2880. */
export type WeeklyHoursRow = WeeklyHours;

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (00:00-23:59) → minutes from midnight; "24:00" only where allowEndOfDay. */
export function parseClock(value: string, allowEndOfDay = false): number | undefined {
  if (allowEndOfDay && value === "24:00") return MINUTES_PER_DAY;
  const match = CLOCK.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function formatClock(minutes: number): string {
  const m = ((minutes % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/**
 * An entry as a stored row. end ≤ start means the hours run past midnight into the next day
 * (22:00 → 06:00 is 1320 → 1800; 08:00 → 08:00 is a full 24 hours). "24:00" as end means midnight.
 */
export function toWeeklyRow(entry: OpeningHoursEntry): WeeklyHoursRow {
  const startMinute = parseClock(entry.start);
  const end = parseClock(entry.end, true);
  if (startMinute === undefined || end === undefined)
    throw new Error(`bad clock time in ${JSON.stringify(entry)}`);
  const endMinute = end <= startMinute ? end + MINUTES_PER_DAY : end;
  return { dayOfWeek: entry.dayOfWeek, startMinute, endMinute };
}

/** A stored row back as a host writes it; toWeeklyRow(toEntry(row)) gives the row again. */
export function toEntry(row: WeeklyHoursRow): OpeningHoursEntry {
  return { dayOfWeek: row.dayOfWeek, start: formatClock(row.startMinute), end: formatClock(row.endMinute) };
}

/** The row's minutes within the week [0, 10080); an overnight Saturday wraps to Sunday morning. */
function weekSegments(row: WeeklyHoursRow): [number, number][] {
  const start = row.dayOfWeek * MINUTES_PER_DAY + row.startMinute;
  const end = row.dayOfWeek * MINUTES_PER_DAY + row.endMinute;
  if (end <= MINUTES_PER_WEEK) return [[start, end]];
  return [
    [start, MINUTES_PER_WEEK],
    [0, end - MINUTES_PER_WEEK],
  ];
}

/**
 * The first pair of rows whose hours overlap in the week (touching ends do not overlap: 18:00-22:00
 * and 22:00-02:00 are fine), or undefined. Overnight hours are compared with the next day's too.
 */
export function findOverlap(rows: readonly WeeklyHoursRow[]): [number, number] | undefined {
  const segments = rows
    .flatMap((row, index) => weekSegments(row).map(([start, end]) => ({ start, end, index })))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  let latest: { end: number; index: number } | undefined;
  for (const segment of segments) {
    if (latest && segment.start < latest.end) {
      return [Math.min(latest.index, segment.index), Math.max(latest.index, segment.index)];
    }
    if (!latest || segment.end > latest.end) latest = { end: segment.end, index: segment.index };
  }
  return undefined;
}
