// Opening hours on DST transition days (Europe/Madrid, America/New_York), overnight schedules and
// date exceptions, checked against hand-computed UTC instants.
import { describe, expect, it } from "vitest";
import {
  type AvailabilityRules,
  type Interval,
  isOpenThroughout,
  openIntervals,
} from "../../src/domain/index.ts";

type Weekly = AvailabilityRules["weeklyHours"][number];
type Exception = AvailabilityRules["exceptions"][number];

function rules(timeZone: string, weeklyHours: Weekly[], exceptions: Exception[] = []): AvailabilityRules {
  return {
    timeZone,
    weeklyHours,
    exceptions,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    minDurationMinutes: 30,
    maxDurationMinutes: null,
  };
}

const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string): Interval => ({ start: at(start), end: at(end) });
const allWeek = (startMinute: number, endMinute: number): Weekly[] =>
  [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute, endMinute }));
const hours = (list: Interval[]) => list.map((i) => (i.end - i.start) / 3_600_000);

describe("Europe/Madrid, spring forward (Sunday 2026-03-29, 02:00 CET → 03:00 CEST)", () => {
  const sunday = (startMinute: number, endMinute: number) =>
    openIntervals(
      rules("Europe/Madrid", [{ dayOfWeek: 0, startMinute, endMinute }]),
      at("2026-03-27T00:00Z"),
      at("2026-03-31T00:00Z"),
    );

  it("a whole Sunday lasts 23 hours", () => {
    expect(sunday(0, 1440)).toEqual([span("2026-03-28T23:00Z", "2026-03-29T22:00Z")]);
  });

  it("01:00–04:00 lasts two hours", () => {
    expect(sunday(60, 240)).toEqual([span("2026-03-29T00:00Z", "2026-03-29T02:00Z")]);
  });

  it("02:00–03:00 does not exist, so it is never open", () => {
    expect(sunday(120, 180)).toEqual([]);
  });

  it("hours that start in the gap open when the clock jumps to 03:00", () => {
    expect(sunday(150, 300)).toEqual([span("2026-03-29T01:00Z", "2026-03-29T03:00Z")]);
  });

  it("the Saturday-night shift 22:00→06:00 is one hour shorter", () => {
    const open = openIntervals(
      rules("Europe/Madrid", [{ dayOfWeek: 6, startMinute: 1320, endMinute: 1800 }]),
      at("2026-03-27T00:00Z"),
      at("2026-03-31T00:00Z"),
    );
    expect(open).toEqual([span("2026-03-28T21:00Z", "2026-03-29T04:00Z")]);
  });
});

describe("Europe/Madrid, fall back (Sunday 2026-10-25, 03:00 CEST → 02:00 CET)", () => {
  const sunday = (startMinute: number, endMinute: number) =>
    openIntervals(
      rules("Europe/Madrid", [{ dayOfWeek: 0, startMinute, endMinute }]),
      at("2026-10-23T00:00Z"),
      at("2026-10-27T00:00Z"),
    );

  it("a whole Sunday lasts 25 hours", () => {
    expect(sunday(0, 1440)).toEqual([span("2026-10-24T22:00Z", "2026-10-25T23:00Z")]);
  });

  it("02:00–03:00 covers both passes of the repeated hour", () => {
    expect(sunday(120, 180)).toEqual([span("2026-10-25T00:00Z", "2026-10-25T02:00Z")]);
  });

  it("a range ending inside the repeated hour ends at its first pass", () => {
    expect(sunday(60, 150)).toEqual([span("2026-10-24T23:00Z", "2026-10-25T00:30Z")]);
  });

  it("ranges that meet at a repeated wall time stay contiguous", () => {
    const open = openIntervals(
      rules("Europe/Madrid", [
        { dayOfWeek: 0, startMinute: 0, endMinute: 150 },
        { dayOfWeek: 0, startMinute: 150, endMinute: 360 },
      ]),
      at("2026-10-23T00:00Z"),
      at("2026-10-27T00:00Z"),
    );
    expect(open).toEqual([span("2026-10-24T22:00Z", "2026-10-25T05:00Z")]);
  });
});

describe("America/New_York", () => {
  const window = (from: string, to: string, weekly: Weekly[], exceptions: Exception[] = []) =>
    openIntervals(rules("America/New_York", weekly, exceptions), at(from), at(to));

  it("spring forward (2026-03-08, 02:00 EST → 03:00 EDT): the 02:00 hour never opens", () => {
    const open = window("2026-03-07T00:00Z", "2026-03-10T00:00Z", [
      { dayOfWeek: 0, startMinute: 120, endMinute: 180 },
    ]);
    expect(open).toEqual([]);
  });

  it("spring forward: the overnight 22:00→06:00 shift from Saturday lasts 7 hours", () => {
    const open = window("2026-03-06T00:00Z", "2026-03-10T00:00Z", [
      { dayOfWeek: 6, startMinute: 1320, endMinute: 1800 },
    ]);
    expect(open).toEqual([span("2026-03-08T03:00Z", "2026-03-08T10:00Z")]);
  });

  it("fall back (2026-11-01, 02:00 EDT → 01:00 EST): the overnight shift lasts 9 hours", () => {
    const open = window("2026-10-30T00:00Z", "2026-11-03T00:00Z", [
      { dayOfWeek: 6, startMinute: 1320, endMinute: 1800 },
    ]);
    expect(open).toEqual([span("2026-11-01T02:00Z", "2026-11-01T11:00Z")]);
  });

  it("fall back: 01:00–02:00 covers both passes of the repeated hour", () => {
    const open = window("2026-10-31T00:00Z", "2026-11-02T00:00Z", [
      { dayOfWeek: 0, startMinute: 60, endMinute: 120 },
    ]);
    expect(open).toEqual([span("2026-11-01T05:00Z", "2026-11-01T07:00Z")]);
  });

  it("nightly 22:00→06:00 keeps its local hours through the change", () => {
    const open = window("2026-10-30T12:00Z", "2026-11-03T12:00Z", allWeek(1320, 1800));
    expect(open).toEqual([
      span("2026-10-31T02:00Z", "2026-10-31T10:00Z"),
      span("2026-11-01T02:00Z", "2026-11-01T11:00Z"),
      span("2026-11-02T03:00Z", "2026-11-02T11:00Z"),
      span("2026-11-03T03:00Z", "2026-11-03T11:00Z"),
    ]);
    expect(hours(open)).toEqual([8, 9, 8, 8]);
  });

  it("a window inside one overnight shift is open throughout; one reaching past 06:00 is not", () => {
    const r = rules("America/New_York", allWeek(1320, 1800));
    expect(isOpenThroughout(r, span("2026-11-01T04:00Z", "2026-11-01T11:00Z"))).toBe(true);
    expect(isOpenThroughout(r, span("2026-11-01T04:00Z", "2026-11-01T11:01Z"))).toBe(false);
  });

  it("hours on consecutive days that touch at midnight merge into one interval", () => {
    const open = window("2026-06-01T00:00Z", "2026-06-04T00:00Z", [
      { dayOfWeek: 1, startMinute: 1080, endMinute: 1440 },
      { dayOfWeek: 2, startMinute: 0, endMinute: 540 },
    ]);
    expect(open).toEqual([span("2026-06-01T22:00Z", "2026-06-02T13:00Z")]);
  });
});

describe("date exceptions", () => {
  // Office hours 08:00–20:00 every day, Madrid summer time (UTC+2).
  const office = allWeek(480, 1200);
  const june = (exceptions: Exception[], weekly: Weekly[] = office) =>
    openIntervals(
      rules("Europe/Madrid", weekly, exceptions),
      at("2026-06-09T22:00Z"),
      at("2026-06-12T22:00Z"),
    );

  it("without exceptions every day opens 08:00–20:00", () => {
    expect(june([])).toEqual([
      span("2026-06-10T06:00Z", "2026-06-10T18:00Z"),
      span("2026-06-11T06:00Z", "2026-06-11T18:00Z"),
      span("2026-06-12T06:00Z", "2026-06-12T18:00Z"),
    ]);
  });

  it("a closed day removes that date's hours only", () => {
    expect(june([{ localDate: "2026-06-11", kind: "closed" }])).toEqual([
      span("2026-06-10T06:00Z", "2026-06-10T18:00Z"),
      span("2026-06-12T06:00Z", "2026-06-12T18:00Z"),
    ]);
  });

  it("closed hours cut a hole in that date", () => {
    expect(june([{ localDate: "2026-06-11", kind: "closed", startMinute: 720, endMinute: 840 }])).toEqual([
      span("2026-06-10T06:00Z", "2026-06-10T18:00Z"),
      span("2026-06-11T06:00Z", "2026-06-11T10:00Z"),
      span("2026-06-11T12:00Z", "2026-06-11T18:00Z"),
      span("2026-06-12T06:00Z", "2026-06-12T18:00Z"),
    ]);
  });

  it("extra hours extend a day and merge with its weekly hours", () => {
    expect(june([{ localDate: "2026-06-11", kind: "open", startMinute: 1200, endMinute: 1380 }])[1]).toEqual(
      span("2026-06-11T06:00Z", "2026-06-11T21:00Z"),
    );
  });

  it("extra hours open a date the weekly schedule leaves closed", () => {
    const weekdaysOnly = [1, 2, 3, 4, 5].map((dayOfWeek) => ({
      dayOfWeek,
      startMinute: 480,
      endMinute: 1200,
    }));
    const open = openIntervals(
      rules("Europe/Madrid", weekdaysOnly, [
        { localDate: "2026-06-13", kind: "open", startMinute: 600, endMinute: 720 },
      ]),
      at("2026-06-12T22:00Z"),
      at("2026-06-14T22:00Z"),
    );
    expect(open).toEqual([span("2026-06-13T08:00Z", "2026-06-13T10:00Z")]);
  });

  it("extra hours win over a closed day on the same date", () => {
    expect(
      june([
        { localDate: "2026-06-11", kind: "closed" },
        { localDate: "2026-06-11", kind: "open", startMinute: 600, endMinute: 720 },
      ])[1],
    ).toEqual(span("2026-06-11T08:00Z", "2026-06-11T10:00Z"));
  });

  it("a closed date cuts an overnight shift at its midnight and leaves the night before it", () => {
    const nightly = allWeek(1320, 1800);
    const open = june([{ localDate: "2026-06-11", kind: "closed" }], nightly);
    expect(open).toEqual([
      span("2026-06-09T22:00Z", "2026-06-10T04:00Z"),
      span("2026-06-10T20:00Z", "2026-06-10T22:00Z"),
      span("2026-06-11T22:00Z", "2026-06-12T04:00Z"),
      span("2026-06-12T20:00Z", "2026-06-12T22:00Z"),
    ]);
  });

  it("closed hours may run past midnight into the next date", () => {
    const open = june([{ localDate: "2026-06-10", kind: "closed", startMinute: 1080, endMinute: 1920 }]);
    expect(open).toEqual([
      span("2026-06-10T06:00Z", "2026-06-10T16:00Z"),
      span("2026-06-11T06:00Z", "2026-06-11T18:00Z"),
      span("2026-06-12T06:00Z", "2026-06-12T18:00Z"),
    ]);
  });
});

describe("time-zone edge cases", () => {
  it("a date the zone skipped entirely (Pacific/Apia, 2011-12-30) is never open", () => {
    const fridays = rules("Pacific/Apia", [{ dayOfWeek: 5, startMinute: 0, endMinute: 1440 }]);
    expect(openIntervals(fridays, at("2011-12-28T00:00Z"), at("2012-01-02T00:00Z"))).toEqual([]);
    const thursdays = rules("Pacific/Apia", [{ dayOfWeek: 4, startMinute: 600, endMinute: 720 }]);
    // Thursday 2011-12-29 10:00 at UTC−10.
    expect(openIntervals(thursdays, at("2011-12-28T00:00Z"), at("2012-01-02T00:00Z"))).toEqual([
      span("2011-12-29T20:00Z", "2011-12-29T22:00Z"),
    ]);
  });

  it("results are clipped to the window and empty for an empty window", () => {
    const r = rules("UTC", allWeek(480, 1200));
    expect(openIntervals(r, at("2026-06-10T10:00Z"), at("2026-06-10T12:00Z"))).toEqual([
      span("2026-06-10T10:00Z", "2026-06-10T12:00Z"),
    ]);
    expect(openIntervals(r, at("2026-06-10T12:00Z"), at("2026-06-10T12:00Z"))).toEqual([]);
  });

  it("refuses a query range longer than 400 days rather than looping", () => {
    const r = rules("UTC", allWeek(480, 1200));
    expect(() => openIntervals(r, 0, 500 * 86_400_000)).toThrow(RangeError);
  });
});
