// The space actor's language: the commands it takes (strict zod schemas, since they cross the
// mailbox), the events it commits, and its answers (a decision or a rejection with a machine code).
import { z } from "zod";
import type { BookingStatus, BookingTransition } from "../../src/domain/index.ts";
import { instantSchema, type SpaceBooking } from "./space-state.ts";

const commandId = z.string().min(1).max(200);
/** Booking and user ids are the ledger's uuids. */
const id = z.uuid();
const reason = z.string().max(1000).optional();

export const vehicleSchema = z.strictObject({
  make: z.string().min(1).max(60),
  model: z.string().min(1).max(60),
  color: z.string().min(1).max(40),
  licensePlate: z.string().min(1).max(20),
});
export type Vehicle = z.infer<typeof vehicleSchema>;

export const requestBookingSchema = z.strictObject({
  type: z.literal("requestBooking"),
  commandId,
  /** Chosen by the caller once, so a re-delivered command names the same booking. */
  bookingId: id,
  driverId: id,
  start: instantSchema,
  end: instantSchema,
  vehicle: vehicleSchema.nullable().optional(),
  specialRequests: z.string().max(1000).nullable().optional(),
});

/** Commands a person sends about one booking; `by` is the caller's user id. */
const byPerson = <T extends string>(type: T) =>
  z.strictObject({ type: z.literal(type), commandId, bookingId: id, by: id, reason });

/** Commands the system sends (reminders coming due, payment results). */
const bySystem = <T extends string>(type: T) =>
  z.strictObject({ type: z.literal(type), commandId, bookingId: id, reason });

export const spaceCommandSchema = z.discriminatedUnion("type", [
  requestBookingSchema,
  byPerson("approve"),
  byPerson("reject"),
  byPerson("cancel"),
  z.strictObject({ type: z.literal("extend"), commandId, bookingId: id, by: id, end: instantSchema }),
  bySystem("expire"),
  bySystem("start"),
  bySystem("end"),
  bySystem("paymentAuthorized"),
  bySystem("paymentFailed"),
]);

export type SpaceCommand = z.infer<typeof spaceCommandSchema>;

/**
 * Sent by the REST route that committed a change to the listing (created, edited, rescheduled,
 * deactivated, deleted or moved), and by the reconciliation pass when the ledger and the actor's
 * reminders disagree: the actor reloads its state from the ledger at once, sets every reminder it
 * needs (a deadline already passed fires at once) and shows what the map should. It decides
 * nothing and writes nothing to the ledger; running it twice is harmless. `previousCell`: the map
 * cell the space stood in before the change (it leaves that cell when it is no longer there or no
 * longer listed).
 */
export const listingChangedCommandSchema = z.strictObject({
  type: z.literal("listingChanged"),
  commandId,
  previousCell: z
    .string()
    .regex(/^[0-9a-f]{15}$/)
    .optional(),
});
export type ListingChangedCommand = z.infer<typeof listingChangedCommandSchema>;

/**
 * Everything the space actor's mailbox takes: booking commands, which it decides, and the reloads
 * (a listing change's, the reconciliation's), which decide nothing.
 */
export const spaceActorCommandSchema = z.union([spaceCommandSchema, listingChangedCommandSchema]);
export type SpaceActorCommand = z.infer<typeof spaceActorCommandSchema>;
export type SpaceCommandType = SpaceCommand["type"];
export type RequestBooking = z.infer<typeof requestBookingSchema>;

/** Events the actor commits (to PostgreSQL first, then to its state). */
export type SpaceEvent =
  | {
      readonly type: "bookingRequested";
      readonly booking: SpaceBooking;
      readonly vehicle: Vehicle | null;
      readonly specialRequests: string | null;
    }
  | {
      readonly type: "bookingStatusChanged";
      readonly bookingId: string;
      readonly transition: BookingTransition;
      readonly from: BookingStatus;
      readonly to: BookingStatus;
      /** The booking's deadline after the change (a new one when payment moves it to approval). */
      readonly expiresAt: number | null;
      /** User who caused it; null for the system. */
      readonly by: string | null;
      readonly reason: string | null;
    }
  | {
      readonly type: "bookingExtended";
      readonly bookingId: string;
      readonly status: BookingStatus;
      readonly fromEnd: number;
      readonly toEnd: number;
      readonly totalAmount: number;
      readonly platformFee: number;
      readonly hostEarnings: number;
      readonly by: string;
    };

export type SpaceRejectionCode =
  | "slot_unavailable"
  | "outside_schedule"
  | "too_short"
  | "too_long"
  | "too_soon"
  | "beyond_horizon"
  | "invalid_window"
  | "not_found"
  | "not_allowed"
  | "invalid_transition"
  | "price_too_large";

export interface SpaceRejection {
  readonly code: SpaceRejectionCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type SpaceDecision =
  | {
      readonly ok: true;
      /** Empty when the command was already applied (a re-delivered request). */
      readonly events: readonly SpaceEvent[];
      /** The booking the command concerned; null for space-wide commands. */
      readonly bookingId: string | null;
    }
  | { readonly ok: false; readonly rejection: SpaceRejection };

/** HTTP status of each rejection: 409 for a taken slot or a state that moved on, 422 for a window the rules refuse. */
export const REJECTION_STATUS = {
  slot_unavailable: 409,
  invalid_transition: 409,
  outside_schedule: 422,
  too_short: 422,
  too_long: 422,
  too_soon: 422,
  beyond_horizon: 422,
  invalid_window: 422,
  price_too_large: 422,
  not_found: 404,
  not_allowed: 403,
} as const satisfies Record<SpaceRejectionCode, number>;
