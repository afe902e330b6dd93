// Pure: the map state of a space derived from its schedule, exceptions and bookings.
import { describe, expect, it } from "vitest";
import { liveStateFromLedger, openIntervals } from "../../src/live/ledger-live-state.ts";

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

  it("is always open without weekly hours", () => {
    expect(openIntervals("UTC", [], [], now)).toHaveLength(1);
    expect(liveStateFromLedger(space, [], [], [], now).state).toBe("available");
  });
});
