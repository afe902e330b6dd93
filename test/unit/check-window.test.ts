// checkWindow's reasons, one worked example each, plus the edges of buffers and notice.
import { describe, expect, it } from "vitest";
import { type AvailabilityRules, checkWindow, freeIntervals } from "../../src/domain/index.ts";

const MIN = 60_000;
// Every day 08:00–20:00 in New York (UTC−4 in June); 15-minute buffer; 1 h notice; 30 min – 8 h.
const rules: AvailabilityRules = {
  timeZone: "America/New_York",
  weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 480, endMinute: 1200 })),
  exceptions: [{ localDate: "2026-06-20", kind: "closed" }],
  bufferMinutes: 15,
  minNoticeMinutes: 60,
  minDurationMinutes: 30,
  maxDurationMinutes: 480,
};
const at = (iso: string) => Date.parse(iso);
const w = (start: string, end: string) => ({ start: at(start), end: at(end) });
const now = at("2026-06-15T12:00Z");
const booked = w("2026-06-16T15:00Z", "2026-06-16T17:00Z"); // 11:00–13:00 local

describe("checkWindow", () => {
  it("accepts a window inside the hours, clear of bookings and buffers", () => {
    expect(checkWindow(rules, [booked], w("2026-06-16T13:00Z", "2026-06-16T14:45Z"), now)).toEqual({
      ok: true,
    });
    expect(checkWindow(rules, [booked], w("2026-06-16T17:15Z", "2026-06-16T19:00Z"), now)).toEqual({
      ok: true,
    });
  });

  it("invalid_window: empty, reversed, or not on a whole minute", () => {
    for (const window of [
      w("2026-06-16T13:00Z", "2026-06-16T13:00Z"),
      w("2026-06-16T14:00Z", "2026-06-16T13:00Z"),
      { start: at("2026-06-16T13:00Z") + 1, end: at("2026-06-16T14:00Z") },
      { start: Number.NaN, end: at("2026-06-16T14:00Z") },
    ]) {
      expect(checkWindow(rules, [], window, now)).toEqual({ ok: false, reason: "invalid_window" });
    }
  });

  it("too_soon: inside the minimum notice, with the earliest allowed start", () => {
    expect(checkWindow(rules, [], w("2026-06-15T12:59Z", "2026-06-15T14:00Z"), now)).toEqual({
      ok: false,
      reason: "too_soon",
      earliestStart: now + 60 * MIN,
    });
    expect(checkWindow(rules, [], w("2026-06-15T13:00Z", "2026-06-15T14:00Z"), now).ok).toBe(true);
  });

  it("beyond_horizon: a start further ahead than the horizon (365 days unless given), with the latest start", () => {
    const day = 24 * 60 * MIN;
    const inYear = (days: number) => ({ start: now + days * day, end: now + days * day + 60 * MIN });
    // 2026-06-15 12:00 UTC + n days is 08:00 in New York: open.
    expect(checkWindow(rules, [], inYear(365), now).ok).toBe(true);
    expect(
      checkWindow(rules, [], { start: now + 365 * day + 60 * MIN, end: now + 365 * day + 120 * MIN }, now),
    ).toEqual({
      ok: false,
      reason: "beyond_horizon",
      latestStart: now + 365 * day,
    });
    expect(checkWindow(rules, [], inYear(10), now, 7)).toEqual({
      ok: false,
      reason: "beyond_horizon",
      latestStart: now + 7 * day,
    });
    expect(checkWindow(rules, [], inYear(7), now, 7).ok).toBe(true);
  });

  it("too_short and too_long against the duration limits", () => {
    expect(checkWindow(rules, [], w("2026-06-16T13:00Z", "2026-06-16T13:29Z"), now)).toEqual({
      ok: false,
      reason: "too_short",
      minDurationMinutes: 30,
    });
    expect(checkWindow(rules, [], w("2026-06-16T12:00Z", "2026-06-16T20:01Z"), now)).toEqual({
      ok: false,
      reason: "too_long",
      maxDurationMinutes: 480,
    });
  });

  it("outside_schedule: past closing time, across the night, or on a closed date", () => {
    const outside = { ok: false, reason: "outside_schedule" };
    expect(checkWindow(rules, [], w("2026-06-16T23:00Z", "2026-06-17T00:30Z"), now)).toEqual(outside);
    const noMaximum = { ...rules, maxDurationMinutes: null };
    expect(checkWindow(noMaximum, [], w("2026-06-16T23:00Z", "2026-06-17T13:00Z"), now)).toEqual(outside);
    expect(checkWindow(rules, [], w("2026-06-20T13:00Z", "2026-06-20T14:00Z"), now)).toEqual(outside);
  });

  it("slot_unavailable: overlapping a booking or its buffer, naming the conflict", () => {
    const conflict = { ok: false, reason: "slot_unavailable", conflict: booked };
    expect(checkWindow(rules, [booked], w("2026-06-16T16:00Z", "2026-06-16T18:00Z"), now)).toEqual(conflict);
    expect(checkWindow(rules, [booked], w("2026-06-16T17:14Z", "2026-06-16T18:00Z"), now)).toEqual(conflict);
    expect(checkWindow(rules, [booked], w("2026-06-16T14:00Z", "2026-06-16T14:46Z"), now)).toEqual(conflict);
  });

  it("agrees with freeIntervals at the buffer's edges", () => {
    const free = freeIntervals(rules, [booked], at("2026-06-16T12:00Z"), at("2026-06-17T00:00Z"));
    expect(free).toEqual([
      w("2026-06-16T12:00Z", "2026-06-16T14:45Z"),
      w("2026-06-16T17:15Z", "2026-06-17T00:00Z"),
    ]);
  });
});
