// The availability rules schema refuses what the database would refuse (and unknown time zones),
// so callers can parse at the boundary and trust the rules on the hot path.
import { describe, expect, it } from "vitest";
import { availabilityRulesSchema, checkWindow } from "../../src/domain/index.ts";

const valid = {
  timeZone: "Europe/Madrid",
  weeklyHours: [
    { dayOfWeek: 1, startMinute: 480, endMinute: 1200 },
    { dayOfWeek: 5, startMinute: 1320, endMinute: 1800 },
  ],
  exceptions: [
    { localDate: "2026-12-25", kind: "closed" },
    { localDate: "2026-12-24", kind: "closed", startMinute: 840, endMinute: 1440 },
    { localDate: "2026-12-27", kind: "open", startMinute: 600, endMinute: 720 },
  ],
  bufferMinutes: 15,
  minNoticeMinutes: 60,
  minDurationMinutes: 30,
  maxDurationMinutes: null,
};

function issuesOf(input: unknown): string[] {
  const result = availabilityRulesSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

describe("availabilityRulesSchema", () => {
  it("accepts rules shaped like the database rows (null minutes included)", () => {
    expect(issuesOf(valid)).toEqual([]);
    expect(
      issuesOf({
        ...valid,
        exceptions: [{ localDate: "2026-12-25", kind: "closed", startMinute: null, endMinute: null }],
      }),
    ).toEqual([]);
  });

  it("refuses an unknown time zone", () => {
    expect(issuesOf({ ...valid, timeZone: "Europe/Atlantis" })).toEqual(["timeZone"]);
  });

  it("refuses hours that end before they start, start past the day, or end past the next day", () => {
    expect(issuesOf({ ...valid, weeklyHours: [{ dayOfWeek: 1, startMinute: 600, endMinute: 600 }] })).toEqual(
      ["weeklyHours.0.endMinute"],
    );
    expect(
      issuesOf({ ...valid, weeklyHours: [{ dayOfWeek: 1, startMinute: 1440, endMinute: 1500 }] }),
    ).toEqual(["weeklyHours.0.startMinute"]);
    expect(issuesOf({ ...valid, weeklyHours: [{ dayOfWeek: 7, startMinute: 0, endMinute: 2881 }] })).toEqual([
      "weeklyHours.0.dayOfWeek",
      "weeklyHours.0.endMinute",
    ]);
  });

  it("refuses half-given minutes, extra hours without minutes, and impossible dates", () => {
    const exception = (e: object) => issuesOf({ ...valid, exceptions: [e] });
    expect(exception({ localDate: "2026-12-25", kind: "closed", startMinute: 60 })).toEqual([
      "exceptions.0.endMinute",
    ]);
    expect(exception({ localDate: "2026-12-25", kind: "open" })).toEqual(["exceptions.0.startMinute"]);
    expect(exception({ localDate: "2026-02-30", kind: "closed" })).toEqual(["exceptions.0.localDate"]);
    expect(exception({ localDate: "2026-12-25", kind: "maybe" })).toEqual(["exceptions.0.kind"]);
  });

  it("refuses unknown fields, a maximum below the minimum, and out-of-range buffers", () => {
    expect(issuesOf({ ...valid, colour: "red" })).toEqual([""]);
    expect(issuesOf({ ...valid, minDurationMinutes: 120, maxDurationMinutes: 60 })).toEqual([
      "maxDurationMinutes",
    ]);
    expect(issuesOf({ ...valid, bufferMinutes: -5 })).toEqual(["bufferMinutes"]);
    expect(issuesOf({ ...valid, bufferMinutes: 1441 })).toEqual(["bufferMinutes"]);
  });

  it("parsed rules feed the domain functions directly", () => {
    const rules = availabilityRulesSchema.parse(valid);
    // Monday 2026-06-15 10:00–12:00 Madrid (08:00Z–10:00Z), decided a day ahead.
    const window = { start: Date.parse("2026-06-15T08:00Z"), end: Date.parse("2026-06-15T10:00Z") };
    expect(checkWindow(rules, [], window, window.start - 86_400_000)).toEqual({ ok: true });
  });
});
