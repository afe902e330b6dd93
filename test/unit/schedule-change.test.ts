// Schedule changes against bookings (only the remaining time of a booking counts) and date exceptions
// as hosts write them: conversion, round trips and overlap among exceptions of the same kind.
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityRules,
  availabilityRulesSchema,
  bookingsOutsideRules,
  type DateException,
  findExceptionOverlap,
  isOpenThroughout,
  toExceptionEntry,
  toExceptionRow,
} from "../../src/domain/index.ts";

const ZONE = "Europe/Madrid";
const rules = (overrides: Partial<AvailabilityRules> = {}): AvailabilityRules =>
  availabilityRulesSchema.parse({
    timeZone: ZONE,
    weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 480, endMinute: 1200 })),
    exceptions: [],
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    minDurationMinutes: 30,
    maxDurationMinutes: null,
    ...overrides,
  });
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toMillis();
const booking = (id: string, start: string, end: string) => ({ id, start: at(start), end: at(end) });

describe("bookingsOutsideRules", () => {
  const monday = booking("monday", "2027-01-04T10:00", "2027-01-04T12:00");
  const tuesday = booking("tuesday", "2027-01-05T09:00", "2027-01-05T10:00");
  const now = at("2027-01-01T12:00");

  it("lists the bookings the new rules no longer keep open, in their order", () => {
    const noMondays = rules({
      weeklyHours: [0, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 480, endMinute: 1200 })),
    });
    expect(bookingsOutsideRules(noMondays, [monday, tuesday], now)).toEqual([monday]);
    expect(bookingsOutsideRules(rules(), [monday, tuesday], now)).toEqual([]);
  });

  it("counts a closed exception that covers only part of a booking", () => {
    const lunch = rules({
      exceptions: [{ localDate: "2027-01-04", kind: "closed", startMinute: 690, endMinute: 780 }],
    });
    expect(bookingsOutsideRules(lunch, [monday, tuesday], now)).toEqual([monday]);
  });

  it("checks only what is left of a booking that has started, and ignores ended ones", () => {
    // Open from 11:00 on that Monday only: the booking began at 10:00, but at 11:00 only open time is left.
    const lateMonday = rules({
      exceptions: [{ localDate: "2027-01-04", kind: "closed", startMinute: 480, endMinute: 660 }],
    });
    expect(bookingsOutsideRules(lateMonday, [monday], at("2027-01-04T10:30"))).toEqual([monday]);
    expect(bookingsOutsideRules(lateMonday, [monday], at("2027-01-04T11:00"))).toEqual([]);
    expect(bookingsOutsideRules(lateMonday, [monday], at("2027-01-04T12:00"))).toEqual([]);
  });

  it("handles bookings longer than one interval query (400 days)", () => {
    const always = rules({
      weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 0, endMinute: 1440 })),
    });
    const long = booking("long", "2027-01-04T00:00", "2028-06-01T00:00");
    expect(bookingsOutsideRules(always, [long], now)).toEqual([]);
    const closedLate = rules({
      weeklyHours: always.weeklyHours,
      exceptions: [{ localDate: "2028-05-20", kind: "closed", startMinute: null, endMinute: null }],
    });
    expect(bookingsOutsideRules(closedLate, [long], now)).toEqual([long]);
  });

  it("agrees with isOpenThroughout for bookings that have not started", () => {
    const day = at("2027-01-04T00:00");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 * 24 * 4 }),
        fc.integer({ min: 1, max: 24 * 4 }),
        (startQuarter, quarters) => {
          const b = {
            id: "b",
            start: day + startQuarter * 900_000,
            end: day + (startQuarter + quarters) * 900_000,
          };
          const clash = bookingsOutsideRules(rules(), [b], now).length === 1;
          return clash === !isOpenThroughout(rules(), b);
        },
      ),
    );
  });
});

describe("date exceptions as hosts write them", () => {
  it("converts whole days and hours both ways, with 24:00 as the end of the date", () => {
    const closed = toExceptionRow({ date: "2027-12-25", kind: "closed" });
    expect(closed).toEqual({ localDate: "2027-12-25", kind: "closed", startMinute: null, endMinute: null });
    expect(toExceptionEntry(closed)).toEqual({ date: "2027-12-25", kind: "closed", start: null, end: null });
    const late = toExceptionRow({ date: "2027-12-24", kind: "open", start: "20:00", end: "24:00" });
    expect(late).toEqual({ localDate: "2027-12-24", kind: "open", startMinute: 1200, endMinute: 1440 });
    expect(toExceptionEntry(late)).toEqual({
      date: "2027-12-24",
      kind: "open",
      start: "20:00",
      end: "24:00",
    });
  });

  it("finds overlaps within one date and kind only (touching hours do not overlap)", () => {
    const row = (localDate: string, kind: "closed" | "open", startMinute?: number, endMinute?: number) =>
      ({ localDate, kind, startMinute: startMinute ?? null, endMinute: endMinute ?? null }) as DateException;
    expect(
      findExceptionOverlap([row("2027-01-01", "closed"), row("2027-01-01", "open", 600, 720)]),
    ).toBeUndefined();
    expect(
      findExceptionOverlap([row("2027-01-01", "open", 600, 720), row("2027-01-01", "open", 720, 800)]),
    ).toBeUndefined();
    expect(findExceptionOverlap([row("2027-01-01", "closed"), row("2027-01-02", "closed")])).toBeUndefined();
    expect(
      findExceptionOverlap([row("2027-01-01", "closed", 600, 700), row("2027-01-01", "closed")]),
    ).toEqual([0, 1]);
    // A long range hides a later overlap behind a short one in between.
    expect(
      findExceptionOverlap([
        row("2027-01-01", "open", 0, 1000),
        row("2027-01-01", "open", 100, 200),
        row("2027-01-02", "open", 0, 10),
      ]),
    ).toEqual([0, 1]);
    expect(
      findExceptionOverlap([
        row("2027-01-01", "open", 300, 400),
        row("2027-01-01", "open", 0, 1000),
        row("2027-01-01", "open", 1000, 1100),
      ]),
    ).toEqual([0, 1]);
  });

  it("reports an overlap exactly when two same-kind ranges on one date share a minute", () => {
    const range = fc
      .record({ start: fc.integer({ min: 0, max: 1439 }), length: fc.integer({ min: 1, max: 300 }) })
      .map(({ start, length }) => ({ start, end: Math.min(start + length, 1440) }));
    fc.assert(
      fc.property(fc.array(range, { maxLength: 6 }), (ranges) => {
        const rows: DateException[] = ranges.map((r) => ({
          localDate: "2027-01-01",
          kind: "open",
          startMinute: r.start,
          endMinute: r.end,
        }));
        const bruteForce = ranges.some((a, i) =>
          ranges.some((b, j) => i < j && a.start < b.end && b.start < a.end),
        );
        return (findExceptionOverlap(rows) !== undefined) === bruteForce;
      }),
    );
  });
});
