// What a space actor holds in memory (and in Redis between activations): the space's settings
// (availability rules, rates, booking mode, currency) and its bookings in the horizon. Plain JSON
// data with a strict zod schema, so a state read back from Redis is checked before it is used.
import { z } from "zod";
import {
  type AvailabilityRules,
  availabilityRulesSchema,
  type BookingMode,
  type BookingStatus,
  bookingModeSchema,
  bookingStatusSchema,
  isFinal,
  type SpaceRates,
} from "../../src/domain/index.ts";
import { BookingList, compareBookings } from "./booking-list.ts";

const INT4_MAX = 2_147_483_647;
const rate = z.number().int().min(0).max(INT4_MAX);
/** UTC epoch milliseconds, within years 2000–2199 (every such instant has an ISO form and a time zone offset). */
export const instantSchema = z
  .number()
  .int()
  .min(Date.UTC(2000, 0, 1))
  .max(Date.UTC(2200, 0, 1));

export const spaceRatesSchema = z.strictObject({
  hourly: rate,
  daily: rate.nullable(),
  monthly: rate.nullable(),
});

export const spaceSettingsSchema = z.strictObject({
  hostId: z.string().min(1),
  bookingMode: bookingModeSchema,
  currency: z.string().regex(/^[A-Z]{3}$/),
  rates: spaceRatesSchema,
  rules: availabilityRulesSchema,
  /** False while the space is inactive: its bookings stand, new requests are refused. */
  accepting: z.boolean(),
});

export interface SpaceSettings {
  readonly hostId: string;
  readonly bookingMode: BookingMode;
  readonly currency: string;
  readonly rates: SpaceRates;
  readonly rules: AvailabilityRules;
  readonly accepting: boolean;
}

export const spaceBookingSchema = z.strictObject({
  id: z.string().min(1),
  driverId: z.string().min(1),
  status: bookingStatusSchema,
  start: instantSchema,
  end: instantSchema,
  /** Deadline of a booking waiting for payment or approval; null otherwise. */
  expiresAt: instantSchema.nullable(),
  currency: z.string(),
  totalAmount: rate,
  platformFee: rate,
  hostEarnings: rate,
  /** The command that created it: a re-delivered request is answered with this booking. */
  commandId: z.string(),
});

/** One booking as the actor sees it (the fields its decisions need and its answers carry). */
export interface SpaceBooking {
  readonly id: string;
  readonly driverId: string;
  readonly status: BookingStatus;
  readonly start: number;
  readonly end: number;
  readonly expiresAt: number | null;
  readonly currency: string;
  readonly totalAmount: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
  readonly commandId: string;
}

export const spaceStateSchema = z.strictObject({
  spaceId: z.string().min(1),
  settings: spaceSettingsSchema,
  /** The space row's updated_at (to the microsecond) the settings were read at; see SpaceState. */
  settingsVersion: z.string().max(40).optional(),
  bookings: z.array(spaceBookingSchema),
});

export interface SpaceState {
  readonly spaceId: string;
  readonly settings: SpaceSettings;
  /**
   * The space row's `updated_at` when the settings were read from PostgreSQL. A booking commit
   * checks it under the space row's lock: any change to the space (hours, rates, mode) since then
   * refuses the commit, and the actor reloads before deciding again.
   */
  readonly settingsVersion?: string;
  /**
   * Every booking that holds the slot, and final ones until their window has passed, sorted by
   * start then id: a persistent list (booking-list.ts), so an event copies one chunk of it, not
   * every booking, and lookups by id and by time do not read them all.
   */
  readonly bookings: BookingList<SpaceBooking>;
}

/** The booking with this id, if the space has it (binary search through the bookings' index). */
export function findSpaceBooking(state: SpaceState, bookingId: string): SpaceBooking | undefined {
  return state.bookings.find(bookingId);
}

export { BookingList, compareBookings };

/** The state with `booking` added, or replacing the booking with its id (same start); order kept. */
export function withBooking(state: SpaceState, booking: SpaceBooking): SpaceState {
  return { ...state, bookings: state.bookings.with(booking) };
}

/**
 * A state read from outside (Redis), or rebuilt from the ledger: validated, its bookings put in
 * their order.
 */
export const storedSpaceStateSchema = z
  .preprocess(
    (value) =>
      typeof value === "object" &&
      value !== null &&
      "bookings" in value &&
      value.bookings instanceof BookingList
        ? { ...value, bookings: value.bookings.toArray() }
        : value,
    spaceStateSchema,
  )
  .transform((state): SpaceState => ({ ...state, bookings: BookingList.from(state.bookings) }));

/** Parses a state read from outside (Redis); throws a ZodError when it is not a valid state. */
export function parseSpaceState(value: unknown): SpaceState {
  return storedSpaceStateSchema.parse(value);
}

/**
 * Drops final bookings whose window has ended by `now`: they can no longer change, and nothing
 * new can overlap them in the past. Slot-holding bookings stay until a reminder settles them.
 * `removed`: the ids of the bookings dropped. Such a booking has started by `now`, so only the
 * front of the list (bookings already started) is looked at, however many are still to come.
 */
export function pruneSpaceState(
  state: SpaceState,
  now: number,
): { state: SpaceState; removed: readonly string[] } {
  const removed: string[] = [];
  for (const booking of state.bookings) {
    if (booking.start > now) break;
    if (isFinal(booking.status) && booking.end <= now) removed.push(booking.id);
  }
  if (removed.length === 0) return { state, removed };
  return { state: { ...state, bookings: state.bookings.without(new Set(removed)) }, removed };
}
