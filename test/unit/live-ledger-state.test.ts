// Pure: the map state of a space derived from its schedule, exceptions and bookings.
import { describe, expect, it } from "vitest";
import type { AvailabilityRules } from "../../src/domain/index.ts";
import {
  LIVE_HORIZON_MS,
  type LiveBooking,
  liveStateFromLedger,
  liveStateFromRules,
  openIntervals,
} from "../../src/live/ledger-live-state.ts";

const space = {
  id: "6f1c2c3e-8f0a-4a6b-9a53-2f0c5d1e7a10",
  lat: 40.4169,
  lng: -3.7035,
  hourly: 300,
  currency: "EUR",
  timezone: "Europe/Madrid",
};
// Wednesday 25 Nov 2026, 12:00 in Madrid (UTC+1).
const now = new Date("2026-11-25T11:00:00Z");
const weekdays9to18 = [1, 2, 3, 4, 5].map((day) => ({ day, start: 540, end: 1080 }));

describe("liveStateFromLedger", () => {
  it("is available inside its hours, free until closing", () => {
    expect(liveStateFromLedger(space, weekdays9to18, [], [], now)).toEqual({
      ...space,
      state: "available",
      freeUntil: "2026-11-25T17:00:00.000Z",
      timezone: undefined,
    } as never);
  });

  it("is free until the next booking when one starts before closing", () => {
    const bookings = [
      { status: "confirmed", start: new Date("2026-11-25T13:00:00Z"), end: new Date("2026-11-25T14:00:00Z") },
    ];
    expect(liveStateFromLedger(space, weekdays9to18, [], bookings, now).freeUntil).toBe(
      "2026-11-25T13:00:00.000Z",
    );
  });

  it("is occupied during a confirmed booking, held during a pending one, next free when it ends", () => {
    const during = (status: string) => [
      { status, start: new Date("2026-11-25T10:00:00Z"), end: new Date("2026-11-25T12:00:00Z") },
    ];
    const occupied = liveStateFromLedger(space, weekdays9to18, [], during("active"), now);
    expect(occupied).toMatchObject({ state: "occupied", nextFreeAt: "2026-11-25T12:00:00.000Z" });
    expect(liveStateFromLedger(space, weekdays9to18, [], during("pending_approval"), now).state).toBe("held");
    expect(liveStateFromLedger(space, weekdays9to18, [], during("cancelled"), now).state).toBe("available");
  });

  it("is closed outside its hours and on a closed date, next free at the next opening", () => {
    const evening = new Date("2026-11-25T19:00:00Z");
    expect(liveStateFromLedger(space, weekdays9to18, [], [], evening)).toMatchObject({
      state: "closed",
      nextFreeAt: "2026-11-26T08:00:00.000Z",
    });
    const closedToday = [{ date: "2026-11-25", kind: "closed" as const, start: null, end: null }];
    expect(liveStateFromLedger(space, weekdays9to18, closedToday, [], now).state).toBe("closed");
  });

  it("handles overnight hours and extra opening hours on a date", () => {
    const overnight = [{ day: 3, start: 1320, end: 1800 }]; // Wednesday 22:00 → Thursday 06:00
    const at2am = new Date("2026-11-26T01:00:00Z"); // 02:00 Thursday in Madrid
    expect(liveStateFromLedger(space, overnight, [], [], at2am)).toMatchObject({
      state: "available",
      freeUntil: "2026-11-26T05:00:00.000Z",
    });
    const saturday = new Date("2026-11-28T11:00:00Z");
    const extra = [{ date: "2026-11-28", kind: "open" as const, start: 600, end: 840 }];
    expect(liveStateFromLedger(space, weekdays9to18, extra, [], saturday).state).toBe("available");
  });

  it("is closed without weekly hours, as the booking rules decide", () => {
    expect(openIntervals("UTC", [], [], now)).toHaveLength(0);
    expect(liveStateFromLedger(space, [], [], [], now).state).toBe("closed");
  });

  it("agrees with the domain rules on a spring-forward night (02:00–03:00 does not exist in Madrid)", () => {
    const nightly = [0, 1, 2, 3, 4, 5, 6].map((day) => ({ day, start: 120, end: 180 }));
    const sundayMarch29 = new Date("2026-03-29T00:30:00Z"); // 01:30 local, just before the skipped hour
    const open = openIntervals("Europe/Madrid", nightly, [], sundayMarch29);
    const onThatDay = open.filter(
      (i) => i.start < Date.parse("2026-03-29T12:00:00Z") && i.end > sundayMarch29.getTime(),
    );
    expect(onThatDay).toEqual([]);
  });
});

describe("liveStateFromRules", () => {
  const HOUR = 3_600_000;
  const t0 = now.getTime();
  const rules: AvailabilityRules = {
    timeZone: "Europe/Madrid",
    weeklyHours: weekdays9to18.map((w) => ({ dayOfWeek: w.day, startMinute: w.start, endMinute: w.end })),
    exceptions: [],
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    minDurationMinutes: 1,
    maxDurationMinutes: null,
  };
  const statuses = ["confirmed", "pending_approval", "cancelled", "active", "awaiting_payment", "completed"];
  // A busy garage: 40 bookings of every kind over the next week, then months of them after it
  // (5,000 in all), sorted by start as the space actor keeps them.
  const bookings: LiveBooking[] = [
    ...Array.from({ length: 40 }, (_, i) => ({
      status: statuses[i % statuses.length]!,
      start: t0 - 3 * HOUR + i * 4 * HOUR,
      end: t0 - HOUR + i * 4 * HOUR,
    })),
    ...Array.from({ length: 4_960 }, (_, i) => ({
      status: "confirmed",
      start: t0 + 10 * 24 * HOUR + i * 2 * HOUR,
      end: t0 + 10 * 24 * HOUR + (i * 2 + 1) * HOUR,
    })),
  ];

  it("from 5,000 bookings is what the ones in its window alone make of it", () => {
    const seen = new Set<string>();
    for (let at = t0 - 5 * HOUR; at < t0 + 14 * 24 * HOUR; at += 5 * HOUR + 17 * 60_000) {
      const relevant = bookings.filter((b) => b.end > at && b.start < at + LIVE_HORIZON_MS);
      const live = liveStateFromRules(space, rules, bookings, at);
      expect(live, new Date(at).toISOString()).toEqual(liveStateFromRules(space, rules, relevant, at));
      seen.add(live.state);
    }
    expect([...seen].sort()).toEqual(["available", "closed", "held", "occupied"]);
  });

  it("looks only at the bookings that start before its horizon", () => {
    let read = 0;
    const counted = new Proxy(bookings, {
      get(target, key, receiver) {
        if (typeof key === "string" && /^\d+$/.test(key)) read += 1;
        return Reflect.get(target, key, receiver);
      },
    });
    liveStateFromRules(space, rules, counted, t0);
    expect(read).toBeLessThan(100);
  });
});
