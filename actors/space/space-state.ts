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
  bookings: z.record(z.string(), spaceBookingSchema),
});

export interface SpaceState {
  readonly spaceId: string;
  readonly settings: SpaceSettings;
  /** By booking id: every booking that holds the slot, and final ones until their window has passed. */
  readonly bookings: Readonly<Record<string, SpaceBooking>>;
}

/** Parses a state read from outside (Redis); throws a ZodError when it is not a valid state. */
export function parseSpaceState(value: unknown): SpaceState {
  return spaceStateSchema.parse(value);
}

/**
 * Drops final bookings whose window has ended by `now`: they can no longer change, and nothing
 * new can overlap them in the past. Slot-holding bookings stay until a reminder settles them.
 */
export function pruneSpaceState(state: SpaceState, now: number): SpaceState {
  let pruned: Record<string, SpaceBooking> | undefined;
  for (const booking of Object.values(state.bookings)) {
    if (isFinal(booking.status) && booking.end <= now) {
      pruned ??= { ...state.bookings };
      delete pruned[booking.id];
    }
  }
  return pruned === undefined ? state : { ...state, bookings: pruned };
}
