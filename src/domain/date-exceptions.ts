// Date exceptions as hosts write them ({date, kind, start?, end?} in the space's local time) and as
// the ledger stores them (minutes from that date's midnight). Pure: conversion both ways and overlap
// detection among exceptions of the same kind.
import type { DateException } from "./availability-rules.ts";
import { formatClock, MINUTES_PER_DAY, parseClock } from "./opening-hours.ts";

/** What a host sends. No start/end: the whole local date (closed only). */
export interface DateExceptionEntry {
  date: string;
  kind: "closed" | "open";
  start?: string | null | undefined;
  end?: string | null | undefined;
}

/** An entry as a stored row; start/end must already be valid clock times (end "24:00" allowed). */
export function toExceptionRow(entry: DateExceptionEntry): DateException {
  if (entry.start == null || entry.end == null) {
    return { localDate: entry.date, kind: entry.kind, startMinute: null, endMinute: null };
  }
  const startMinute = parseClock(entry.start);
  const endMinute = parseClock(entry.end, true);
  if (startMinute === undefined || endMinute === undefined)
    throw new Error(`bad clock time in ${JSON.stringify(entry)}`);
  return { localDate: entry.date, kind: entry.kind, startMinute, endMinute };
}

/** A stored row back as a host writes it (whole-day rows have null start and end). */
export function toExceptionEntry(row: DateException): {
  date: string;
  kind: "closed" | "open";
  start: string | null;
  end: string | null;
} {
  const whole = row.startMinute == null || row.endMinute == null;
  return {
    date: row.localDate,
    kind: row.kind,
    start: whole ? null : formatClock(row.startMinute!),
    end: whole ? null : row.endMinute === MINUTES_PER_DAY ? "24:00" : formatClock(row.endMinute!),
  };
}

/**
 * The first pair of exceptions (by index) that cover the same local minutes with the same kind, or
 * undefined. A closed day and extra hours on it do not overlap: extra hours win over a closure.
 */
export function findExceptionOverlap(rows: readonly DateException[]): [number, number] | undefined {
  const ranges = rows
    .map((row, index) => ({
      key: `${row.localDate}/${row.kind}`,
      start: row.startMinute ?? 0,
      end: row.endMinute ?? MINUTES_PER_DAY,
      index,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.start - b.start || a.index - b.index));
  for (let i = 1; i < ranges.length; i++) {
    const previous = ranges[i - 1]!;
    const current = ranges[i]!;
    // Sorted by start within a key, so checking neighbours with a running max end catches every overlap.
    if (previous.key === current.key && current.start < previous.end) {
      return [Math.min(previous.index, current.index), Math.max(previous.index, current.index)];
    }
    if (previous.key === current.key && previous.end > current.end) {
      ranges[i] = { ...current, end: previous.end, index: previous.index };
    }
  }
  return undefined;
}
