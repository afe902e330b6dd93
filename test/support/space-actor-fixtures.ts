// Fixtures for the space actor's tests: a space's settings and state built from a few knobs.
import {
  BookingList,
  type SpaceBooking,
  type SpaceSettings,
  type SpaceState,
} from "../../actors/space/index.ts";
import type { AvailabilityRules, BookingMode } from "../../src/domain/index.ts";

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const at = (iso: string) => Date.parse(iso);

/** Every day 08:00–20:00 in Madrid (UTC+2 in June); 15 min buffer, 1 h notice, 30 min – 8 h. */
export const madridRules: AvailabilityRules = {
  timeZone: "Europe/Madrid",
  weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 480, endMinute: 1200 })),
  exceptions: [{ localDate: "2026-06-20", kind: "closed" }],
  bufferMinutes: 15,
  minNoticeMinutes: 60,
  minDurationMinutes: 30,
  maxDurationMinutes: 480,
};

export function spaceSettings(overrides: Partial<SpaceSettings> = {}): SpaceSettings {
  return {
    hostId: "host-1",
    bookingMode: "instant" as BookingMode,
    currency: "EUR",
    rates: { hourly: 300, daily: 2000, monthly: null },
    rules: madridRules,
    accepting: true,
    ...overrides,
  };
}

export function spaceState(
  overrides: Partial<SpaceSettings> = {},
  bookings: readonly SpaceBooking[] = [],
): SpaceState {
  return {
    spaceId: "space-1",
    settings: spaceSettings(overrides),
    bookings: BookingList.from(bookings),
  };
}
