// The booking state machine as data: the statuses (as in the bookings table's check constraint),
// which of them hold the slot, which are final, and every allowed transition with who may cause it.
// Pure; the space actor decides with it and the ledger writes the same statuses.
import { z } from "zod";
import { type BookingMode, SLOT_HOLDING_STATUSES } from "./space-listing.ts";

export const BOOKING_STATUSES = [
  "awaiting_payment",
  "payment_failed",
  "pending_approval",
  "confirmed",
  "active",
  "completed",
  "cancelled",
  "rejected",
  "expired",
] as const;

export const bookingStatusSchema = z.enum(BOOKING_STATUSES);
export type BookingStatus = z.infer<typeof bookingStatusSchema>;

/** Statuses no transition leaves. */
export const FINAL_STATUSES: readonly BookingStatus[] = [
  "payment_failed",
  "completed",
  "cancelled",
  "rejected",
  "expired",
];

/** SLOT_HOLDING_STATUSES (space-listing.ts): whose window nobody else may take. */
const holding = new Set<BookingStatus>(SLOT_HOLDING_STATUSES);
const final = new Set<BookingStatus>(FINAL_STATUSES);

export function holdsSlot(status: BookingStatus): boolean {
  return holding.has(status);
}

export function isFinal(status: BookingStatus): boolean {
  return final.has(status);
}

/**
 * What moves a booking: a person's command or something the system observed (a payment result, a
 * reminder coming due). `extend` changes the window, not the status, so its rows go from a status
 * to the same status.
 */
export type BookingTransition =
  | "payment_authorized"
  | "payment_failed"
  | "approve"
  | "reject"
  | "cancel"
  | "expire"
  | "start"
  | "end"
  | "extend";

/** Who may cause a transition: the space's host, the booking's driver, or the system (reminders, payments). */
export type TransitionActor = "host" | "driver" | "system";

export interface TransitionRule {
  readonly transition: BookingTransition;
  readonly from: BookingStatus;
  readonly to: BookingStatus;
  /** Only for bookings of spaces in this mode; absent: any mode. */
  readonly mode?: BookingMode;
  readonly by: readonly TransitionActor[];
}

const SYSTEM = ["system"] as const;
const PEOPLE = ["driver", "host"] as const;

/** Every allowed transition. Anything not listed is an invalid transition. */
export const BOOKING_TRANSITIONS: readonly TransitionRule[] = [
  // Payment (authorize at request): the hold moves on to where a paid request goes in its mode.
  {
    transition: "payment_authorized",
    from: "awaiting_payment",
    to: "confirmed",
    mode: "instant",
    by: SYSTEM,
  },
  {
    transition: "payment_authorized",
    from: "awaiting_payment",
    to: "pending_approval",
    mode: "request",
    by: SYSTEM,
  },
  { transition: "payment_failed", from: "awaiting_payment", to: "payment_failed", by: SYSTEM },
  { transition: "expire", from: "awaiting_payment", to: "expired", by: SYSTEM },
  // The host's decision on a request, or its deadline.
  { transition: "approve", from: "pending_approval", to: "confirmed", by: ["host"] },
  { transition: "reject", from: "pending_approval", to: "rejected", by: ["host"] },
  { transition: "expire", from: "pending_approval", to: "expired", by: SYSTEM },
  // Time passing.
  { transition: "start", from: "confirmed", to: "active", by: SYSTEM },
  { transition: "end", from: "active", to: "completed", by: SYSTEM },
  // Any non-final booking may be cancelled by its driver or the space's host.
  { transition: "cancel", from: "awaiting_payment", to: "cancelled", by: PEOPLE },
  { transition: "cancel", from: "pending_approval", to: "cancelled", by: PEOPLE },
  { transition: "cancel", from: "confirmed", to: "cancelled", by: PEOPLE },
  { transition: "cancel", from: "active", to: "cancelled", by: PEOPLE },
  // A settled booking may run longer (the driver asks; the extra time must be free).
  { transition: "extend", from: "confirmed", to: "confirmed", by: ["driver"] },
  { transition: "extend", from: "active", to: "active", by: ["driver"] },
];

/** The status a transition leads to from `from` in `mode`, or undefined when it is not allowed. */
export function nextStatus(
  from: BookingStatus,
  transition: BookingTransition,
  mode: BookingMode,
): BookingStatus | undefined {
  for (const rule of BOOKING_TRANSITIONS) {
    if (
      rule.transition === transition &&
      rule.from === from &&
      (rule.mode === undefined || rule.mode === mode)
    ) {
      return rule.to;
    }
  }
  return undefined;
}

/** Who may cause `transition` (the same for every source status). */
export function actorsFor(transition: BookingTransition): readonly TransitionActor[] {
  const rule = BOOKING_TRANSITIONS.find((r) => r.transition === transition);
  return rule === undefined ? [] : rule.by;
}

/**
 * The status a new booking request starts in. With payment required it waits for the
 * authorization first; otherwise an instant space confirms at once and a request-to-book space
 * waits for its host.
 */
export function initialStatus(mode: BookingMode, paymentRequired: boolean): BookingStatus {
  if (paymentRequired) return "awaiting_payment";
  return mode === "instant" ? "confirmed" : "pending_approval";
}
