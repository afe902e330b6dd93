// Weekly opening hours: clock parsing, the overnight encoding, round trips and overlap on the week circle.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  findOverlap,
  formatClock,
  parseClock,
  toEntry,
  toWeeklyRow,
  type WeeklyHoursRow,
} from "../../src/domain/opening-hours.ts";

describe("clock times", () => {
  it("parses HH:MM and refuses anything else", () => {
    expect(parseClock("00:00")).toBe(0);
    expect(parseClock("23:59")).toBe(1439);
    expect(parseClock("24:00")).toBeUndefined();
    expect(parseClock("24:00", true)).toBe(1440);
    for (const bad of ["7:00", "07:60", "25:00", "07:00:00", "", "ab:cd"])
      expect(parseClock(bad)).toBeUndefined();
    expect(formatClock(1800)).toBe("06:00");
  });
});

describe("toWeeklyRow", () => {
  it("runs hours whose end is at or before their start into the next day", () => {
    expect(toWeeklyRow({ dayOfWeek: 5, start: "22:00", end: "06:00" })).toEqual({
      dayOfWeek: 5,
      startMinute: 1320,
      endMinute: 1800,
    });
    expect(toWeeklyRow({ dayOfWeek: 0, start: "00:00", end: "00:00" }).endMinute).toBe(1440);
    expect(toWeeklyRow({ dayOfWeek: 3, start: "08:00", end: "08:00" }).endMinute).toBe(1920);
    expect(toWeeklyRow({ dayOfWeek: 3, start: "08:00", end: "24:00" }).endMinute).toBe(1440);
  });

  it("round-trips: a stored row shown and sent back is the same row", () => {
    const row = fc
      .record({ dayOfWeek: fc.integer({ min: 0, max: 6 }), startMinute: fc.integer({ min: 0, max: 1439 }) })
      .chain(({ dayOfWeek, startMinute }) =>
        fc.integer({ min: startMinute + 1, max: startMinute + 1440 }).map((endMinute) => ({
          dayOfWeek,
          startMinute,
          endMinute,
        })),
      );
    fc.assert(
      fc.property(row, (r) => {
        expect(toWeeklyRow(toEntry(r))).toEqual(r);
      }),
    );
  });
});

describe("findOverlap", () => {
  const row = (dayOfWeek: number, startMinute: number, endMinute: number): WeeklyHoursRow => ({
    dayOfWeek,
    startMinute,
    endMinute,
  });

  it("finds overlaps within a day, across midnight and across the end of the week", () => {
    expect(findOverlap([row(1, 480, 840), row(1, 780, 1080)])).toEqual([0, 1]);
    expect(findOverlap([row(5, 1320, 1800), row(6, 300, 540)])).toEqual([0, 1]);
    expect(findOverlap([row(0, 0, 720), row(6, 1200, 1560)])).toEqual([0, 1]);
    expect(findOverlap([row(2, 600, 700), row(2, 600, 700)])).toEqual([0, 1]);
  });

  it("lets hours touch", () => {
    expect(findOverlap([row(5, 1200, 1920), row(6, 480, 1440), row(0, 0, 1440)])).toBeUndefined();
    expect(findOverlap([row(6, 1200, 1920), row(0, 480, 600)])).toBeUndefined();
  });

  it("agrees with a minute-by-minute count of the week", () => {
    const rows = fc.array(
      fc
        .record({ dayOfWeek: fc.integer({ min: 0, max: 6 }), startMinute: fc.integer({ min: 0, max: 1439 }) })
        .chain((r) =>
          fc
            .integer({ min: r.startMinute + 1, max: r.startMinute + 1440 })
            .map((endMinute) => ({ ...r, endMinute })),
        ),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(rows, (list) => {
        const week = new Uint8Array(7 * 1440);
        for (const r of list) {
          for (let m = r.startMinute; m < r.endMinute; m++)
            week[(r.dayOfWeek * 1440 + m) % week.length]! += 1;
        }
        expect(findOverlap(list) !== undefined).toBe(week.some((n) => n > 1));
      }),
      { numRuns: 200 },
    );
  });
});
