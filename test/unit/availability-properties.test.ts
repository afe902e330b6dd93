// Property tests of the availability rules: open intervals agree with a wall-clock oracle built on
// Luxon, free intervals never touch a taken interval or its buffer, and checkWindow accepts a window
// exactly when it lies inside one free interval and meets the notice and duration rules.
import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  type AvailabilityRules,
  checkWindow,
  containsWindow,
  freeIntervals,
  type Interval,
  openIntervals,
  type WindowRejectionReason,
} from "../../src/domain/index.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// Zones with DST (incl. transitions at local midnight and 30-minute shifts) and without.
const zones = [
  "Europe/Madrid",
  "America/New_York",
  "America/Santiago",
  "America/Havana",
  "Australia/Lord_Howe",
  "America/St_Johns",
  "Asia/Kolkata",
  "UTC",
];
// Instants near 2026 transitions, plus ordinary days.
const anchors = [
  "2026-03-08T07:00Z",
  "2026-03-29T01:00Z",
  "2026-04-04T15:00Z",
  "2026-04-05T03:00Z",
  "2026-09-06T04:00Z",
  "2026-10-04T16:00Z",
  "2026-10-25T01:00Z",
  "2026-11-01T05:00Z",
  "2026-03-14T05:00Z",
  "2026-06-15T12:00Z",
  "2026-01-10T00:00Z",
].map((iso) => Date.parse(iso));

const isoDate = (instant: number) => new Date(instant).toISOString().slice(0, 10);

const weeklyArb = fc
  .record({
    dayOfWeek: fc.integer({ min: 0, max: 6 }),
    startMinute: fc.integer({ min: 0, max: 47 }).map((k) => k * 30),
    length: fc.integer({ min: 1, max: 96 }).map((k) => k * 15),
  })
  .map(({ dayOfWeek, startMinute, length }) => ({
    dayOfWeek,
    startMinute,
    endMinute: Math.min(startMinute + length, 2880),
  }));

const everyDay = (startMinute: number, endMinute: number) =>
  [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute, endMinute }));

const rulesArb = fc
  .record({
    zone: fc.constantFrom(...zones),
    anchor: fc.constantFrom(...anchors),
    weekly: fc.oneof(
      fc.array(weeklyArb, { maxLength: 8 }),
      fc.constantFrom(everyDay(0, 1440), everyDay(360, 1380), everyDay(1320, 1800)),
    ),
    exceptions: fc.array(
      fc.record({
        dayOffset: fc.integer({ min: -3, max: 3 }),
        kind: fc.constantFrom("closed" as const, "open" as const),
        hours: fc.option(
          fc
            .record({ start: fc.integer({ min: 0, max: 95 }), length: fc.integer({ min: 1, max: 64 }) })
            .map(({ start, length }) => ({
              startMinute: start * 15,
              endMinute: Math.min(start * 15 + length * 15, 2880),
            })),
          { nil: null },
        ),
      }),
      { maxLength: 4 },
    ),
    bufferMinutes: fc.constantFrom(0, 0, 10, 15, 30, 90),
    minNoticeMinutes: fc.constantFrom(0, 0, 30, 120, 1440),
    minDurationMinutes: fc.constantFrom(1, 15, 30, 60, 240),
    extraMax: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: null, freq: 2 }),
  })
  .map(
    ({ zone, anchor, weekly, exceptions, bufferMinutes, minNoticeMinutes, minDurationMinutes, extraMax }) => {
      const rules: AvailabilityRules = {
        timeZone: zone,
        weeklyHours: weekly,
        exceptions: exceptions.map((e) => {
          const localDate = isoDate(anchor + e.dayOffset * DAY);
          if (e.kind === "open")
            return { localDate, kind: "open" as const, ...(e.hours ?? { startMinute: 540, endMinute: 600 }) };
          return e.hours === null
            ? { localDate, kind: "closed" as const }
            : { localDate, kind: "closed" as const, ...e.hours };
        }),
        bufferMinutes,
        minNoticeMinutes,
        minDurationMinutes,
        maxDurationMinutes: extraMax === null ? null : minDurationMinutes + extraMax,
      };
      return { rules, anchor };
    },
  );

/** A minute-aligned instant within four days of the anchor. */
const nearArb = fc.integer({ min: -4 * 24 * 60, max: 4 * 24 * 60 });

const takenArb = fc.array(
  fc.record({ at: nearArb, length: fc.integer({ min: 1, max: 48 }).map((k) => k * 15) }),
  { maxLength: 6 },
);

const toTaken = (anchor: number, list: { at: number; length: number }[]): Interval[] =>
  list.map(({ at, length }) => ({ start: anchor + at * MIN, end: anchor + (at + length) * MIN }));

/** Is `instant` open by the rules, reading the local wall clock from Luxon. */
function openByWallClock(rules: AvailabilityRules, instant: number): boolean {
  const offset = DateTime.fromMillis(instant, { zone: rules.timeZone }).offset * MIN;
  const wall = instant + offset;
  const today = Math.floor(wall / DAY);
  let weekly = false;
  let closed = false;
  let extra = false;
  for (let back = 0; back <= 2; back++) {
    const day = today - back;
    const date = DateTime.fromMillis(day * DAY, { zone: "utc" });
    const dayOfWeek = date.weekday % 7;
    const localDate = date.toISODate();
    const minute = (wall - day * DAY) / MIN;
    for (const h of rules.weeklyHours) {
      if (h.dayOfWeek === dayOfWeek && minute >= h.startMinute && minute < h.endMinute) weekly = true;
    }
    for (const e of rules.exceptions) {
      if (e.localDate !== localDate) continue;
      const start = e.startMinute ?? 0;
      const end = e.endMinute ?? 1440;
      if (minute >= start && minute < end) {
        if (e.kind === "closed") closed = true;
        else extra = true;
      }
    }
  }
  return (weekly && !closed) || extra;
}

function nearTransition(zone: string, instant: number): boolean {
  return (
    DateTime.fromMillis(instant - 3 * HOUR, { zone }).offset !==
    DateTime.fromMillis(instant + 3 * HOUR, { zone }).offset
  );
}

function inside(list: readonly Interval[], instant: number): boolean {
  return list.some((i) => i.start <= instant && instant < i.end);
}

function expectSortedDisjoint(list: readonly Interval[], from: number, to: number) {
  for (let i = 0; i < list.length; i++) {
    const current = list[i]!;
    expect(current.start).toBeLessThan(current.end);
    expect(current.start).toBeGreaterThanOrEqual(from);
    expect(current.end).toBeLessThanOrEqual(to);
    if (i > 0) expect(current.start).toBeGreaterThan(list[i - 1]!.end);
  }
}

describe("openIntervals", () => {
  it("agrees with the local wall clock away from DST transitions", () => {
    fc.assert(
      fc.property(
        rulesArb,
        nearArb,
        fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }), { minLength: 1, maxLength: 40 }),
        ({ rules, anchor }, fromOffset, samples) => {
          const from = anchor + fromOffset * MIN;
          const to = from + 3 * DAY;
          const open = openIntervals(rules, from, to);
          expectSortedDisjoint(open, from, to);
          for (const sample of samples) {
            const instant = from + sample * MIN + 30_000;
            if (nearTransition(rules.timeZone, instant)) continue;
            expect(inside(open, instant), `${new Date(instant).toISOString()} in ${rules.timeZone}`).toBe(
              openByWallClock(rules, instant),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a sub-window sees exactly the clipped intervals of a wider window", () => {
    fc.assert(
      fc.property(
        rulesArb,
        nearArb,
        fc.integer({ min: 1, max: 3 * 24 * 60 }),
        ({ rules, anchor }, offset, length) => {
          const from = anchor + offset * MIN;
          const to = from + length * MIN;
          const wide = openIntervals(rules, from - 2 * DAY, to + 2 * DAY);
          const clipped = wide
            .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
            .filter((i) => i.end > i.start);
          expect(openIntervals(rules, from, to)).toEqual(clipped);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("freeIntervals", () => {
  it("never overlaps a taken interval widened by the buffer, and is open time otherwise", () => {
    fc.assert(
      fc.property(
        rulesArb,
        takenArb,
        nearArb,
        fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 - 1 }), { maxLength: 30 }),
        ({ rules, anchor }, takenList, offset, samples) => {
          const from = anchor + offset * MIN;
          const to = from + 3 * DAY;
          const taken = toTaken(anchor, takenList);
          const buffer = rules.bufferMinutes * MIN;
          const free = freeIntervals(rules, taken, from, to);
          const open = openIntervals(rules, from, to);
          expectSortedDisjoint(free, from, to);
          for (const f of free) {
            expect(containsWindow(open, f)).toBe(true);
            for (const t of taken) expect(f.start < t.end + buffer && f.end > t.start - buffer).toBe(false);
          }
          for (const sample of samples) {
            const instant = from + sample * MIN;
            const blocked = taken.some((t) => t.start - buffer <= instant && instant < t.end + buffer);
            expect(inside(free, instant)).toBe(inside(open, instant) && !blocked);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("checkWindow", () => {
  const windowArb = fc.record({
    at: nearArb,
    length: fc.oneof(
      { arbitrary: fc.integer({ min: 15, max: 300 }), weight: 6 },
      { arbitrary: fc.integer({ min: -5, max: 3000 }), weight: 1 },
    ),
    unaligned: fc.oneof(
      { arbitrary: fc.constant(0), weight: 12 },
      { arbitrary: fc.integer({ min: 1, max: 59_999 }), weight: 1 },
    ),
    // Taken intervals placed around the window, so buffers and edges are exercised.
    taken: fc.array(
      fc.record({
        at: fc.integer({ min: -400, max: 400 }),
        length: fc.integer({ min: 1, max: 24 }).map((k) => k * 15),
      }),
      { maxLength: 3 },
    ),
    noticeSlack: fc.integer({ min: -180, max: 3 * 24 * 60 }),
  });

  it("accepts a window iff it is valid, meets notice and duration, and lies inside one free interval", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(rulesArb, windowArb, ({ rules, anchor }, w) => {
        const window = { start: anchor + w.at * MIN + w.unaligned, end: anchor + (w.at + w.length) * MIN };
        const taken = toTaken(
          anchor,
          w.taken.map((t) => ({ at: w.at + t.at, length: t.length })),
        );
        const now = window.start - (rules.minNoticeMinutes + w.noticeSlack) * MIN;
        const decision = checkWindow(rules, taken, window, now);

        const minutes = (window.end - window.start) / MIN;
        const free =
          window.end > window.start ? freeIntervals(rules, taken, window.start - DAY, window.end + DAY) : [];
        let expected: WindowRejectionReason | "ok";
        if (w.unaligned !== 0 || window.end <= window.start) expected = "invalid_window";
        else if (minutes < rules.minDurationMinutes) expected = "too_short";
        else if (rules.maxDurationMinutes !== null && minutes > rules.maxDurationMinutes)
          expected = "too_long";
        else if (window.start < now + rules.minNoticeMinutes * MIN) expected = "too_soon";
        else if (containsWindow(free, window)) expected = "ok";
        else if (!containsWindow(openIntervals(rules, window.start - DAY, window.end + DAY), window))
          expected = "outside_schedule";
        else expected = "slot_unavailable";
        seen.add(expected);

        expect(decision.ok ? "ok" : decision.reason).toBe(expected);
        if (!decision.ok && decision.reason === "slot_unavailable") {
          const buffer = rules.bufferMinutes * MIN;
          expect(taken).toContain(decision.conflict);
          expect(
            decision.conflict.start - buffer < window.end && decision.conflict.end + buffer > window.start,
          ).toBe(true);
        }
      }),
      { numRuns: 1500 },
    );
    // The generators reach every outcome, so the equivalence is tested on each side.
    expect([...seen].sort()).toEqual(
      [
        "invalid_window",
        "ok",
        "outside_schedule",
        "slot_unavailable",
        "too_long",
        "too_short",
        "too_soon",
      ].sort(),
    );
  });
});
