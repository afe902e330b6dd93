// The space actor's decisions: given its state, one command and the time, either the events to
// commit or a rejection with a machine code. Pure and deterministic; the runtime commits the events
// to PostgreSQL, then folds them into the state with `apply`.

import {
  type BookingStatus,
  type BookingTransition,
  checkWindow,
  holdsSlot,
  type Interval,
  initialStatus,
  isOpenThroughout,
  MAX_WINDOW_MINUTES,
  MS_PER_MINUTE,
  mayTransition,
  nextStatus,
  priceWindow,
  type WindowRejection,
} from "../../src/domain/index.ts";
import { assertNever } from "../../src/errors.ts";
import type {
  RequestBooking,
  SpaceCommand,
  SpaceDecision,
  SpaceEvent,
  SpaceRejection,
  SpaceRejectionCode,
} from "./space-commands.ts";
import { DEFAULT_SPACE_POLICY, type SpacePolicy } from "./space-policy.ts";
import { findSpaceBooking, type SpaceBooking, type SpaceState } from "./space-state.ts";

/** Largest amount the ledger's integer columns hold. */
export const MAX_AMOUNT = 2_147_483_647;

export function decide(
  state: SpaceState,
  command: SpaceCommand,
  now: number,
  policy: SpacePolicy = DEFAULT_SPACE_POLICY,
): SpaceDecision {
  switch (command.type) {
    case "requestBooking":
      return requestBooking(state, command, now, policy);
    case "approve":
    case "reject":
    case "cancel":
      return changeStatus(state, command.bookingId, command.type, command.by, command.reason, now, policy);
    case "expire":
    case "start":
    case "end":
      return changeStatus(state, command.bookingId, command.type, null, command.reason, now, policy);
    case "paymentAuthorized":
      return changeStatus(state, command.bookingId, "payment_authorized", null, command.reason, now, policy);
    case "paymentFailed":
      return changeStatus(state, command.bookingId, "payment_failed", null, command.reason, now, policy);
    case "extend":
      return extend(state, command.bookingId, command.by, command.end, policy);
    default:
      return assertNever(command, "space command");
  }
}

function requestBooking(
  state: SpaceState,
  command: RequestBooking,
  now: number,
  policy: SpacePolicy,
): SpaceDecision {
  const existing = findSpaceBooking(state, command.bookingId);
  if (existing !== undefined) {
    // The same command delivered again after its effect: answer with what it created.
    if (existing.commandId === command.commandId) return { ok: true, events: [], bookingId: existing.id };
    return reject("invalid_transition", "this booking id is already in use");
  }
  const { settings } = state;
  if (!settings.accepting) return reject("outside_schedule", "this space is not taking bookings");
  const window: Interval = { start: command.start, end: command.end };
  const check = checkWindow(settings.rules, takenNear(state, null, window), window, now, policy.horizonDays);
  if (!check.ok) return windowRejection(check);
  const price = priceWindow(settings.rates, window, policy.feeBasisPoints);
  if (price.total > MAX_AMOUNT) return priceTooLarge(price.total);
  // A free window (a price of 0) has nothing to authorize.
  const status = initialStatus(settings.bookingMode, policy.paymentRequired && price.total > 0);
  const booking: SpaceBooking = {
    id: command.bookingId,
    driverId: command.driverId,
    status,
    start: command.start,
    end: command.end,
    expiresAt: deadlineFor(status, command.start, now, policy),
    currency: settings.currency,
    totalAmount: price.total,
    platformFee: price.platformFee,
    hostEarnings: price.hostEarnings,
    commandId: command.commandId,
  };
  return {
    ok: true,
    events: [
      {
        type: "bookingRequested",
        booking,
        vehicle: command.vehicle ?? null,
        specialRequests: command.specialRequests ?? null,
      },
    ],
    bookingId: booking.id,
  };
}

function changeStatus(
  state: SpaceState,
  bookingId: string,
  transition: Exclude<BookingTransition, "extend">,
  by: string | null,
  reason: string | undefined,
  now: number,
  policy: SpacePolicy,
): SpaceDecision {
  const booking = findSpaceBooking(state, bookingId);
  if (booking === undefined) return reject("not_found", "booking not found");
  if (by !== null && !mayAct(state, booking, by, transition)) {
    return reject("not_allowed", `you may not ${transition} this booking`);
  }
  const to = nextStatus(booking.status, transition, state.settings.bookingMode);
  if (to === undefined) {
    return reject("invalid_transition", `a ${booking.status} booking cannot be ${pastTense(transition)}`, {
      status: booking.status,
    });
  }
  const due = dueTime(booking, transition);
  if (due !== null && now < due) {
    return reject("invalid_transition", `the booking cannot be ${pastTense(transition)} yet`, {
      status: booking.status,
      dueAt: due,
    });
  }
  if (
    (transition === "approve" || transition === "payment_authorized") &&
    booking.expiresAt !== null &&
    now >= booking.expiresAt
  ) {
    return reject("invalid_transition", "the deadline of this booking has passed", {
      status: booking.status,
    });
  }
  const event: SpaceEvent = {
    type: "bookingStatusChanged",
    bookingId,
    transition,
    from: booking.status,
    to,
    expiresAt: deadlineFor(to, booking.start, now, policy),
    by,
    reason: reason ?? null,
  };
  return { ok: true, events: [event], bookingId };
}

function extend(
  state: SpaceState,
  bookingId: string,
  by: string,
  end: number,
  policy: SpacePolicy,
): SpaceDecision {
  const booking = findSpaceBooking(state, bookingId);
  if (booking === undefined) return reject("not_found", "booking not found");
  if (!mayAct(state, booking, by, "extend")) return reject("not_allowed", "you may not extend this booking");
  if (nextStatus(booking.status, "extend", state.settings.bookingMode) === undefined) {
    return reject("invalid_transition", `a ${booking.status} booking cannot be extended`, {
      status: booking.status,
    });
  }
  if (!Number.isSafeInteger(end) || end % MS_PER_MINUTE !== 0 || end <= booking.end) {
    return reject("invalid_window", "the new end must be a whole minute after the current end");
  }
  const { rules, rates } = state.settings;
  const maxMinutes = Math.min(rules.maxDurationMinutes ?? MAX_WINDOW_MINUTES, MAX_WINDOW_MINUTES);
  if (end - booking.start > maxMinutes * MS_PER_MINUTE) {
    return reject("too_long", `a booking may last at most ${maxMinutes} minutes`, {
      maxDurationMinutes: maxMinutes,
    });
  }
  const extra: Interval = { start: booking.end, end };
  if (!isOpenThroughout(rules, extra)) {
    return reject("outside_schedule", "the space is not open for the extra time");
  }
  if (takenNear(state, booking.id, extra).length > 0) {
    return reject("slot_unavailable", "the extra time is already taken");
  }
  const price = priceWindow(rates, { start: booking.start, end }, policy.feeBasisPoints);
  if (price.total > MAX_AMOUNT) return priceTooLarge(price.total);
  const event: SpaceEvent = {
    type: "bookingExtended",
    bookingId,
    status: booking.status,
    fromEnd: booking.end,
    toEnd: end,
    totalAmount: price.total,
    platformFee: price.platformFee,
    hostEarnings: price.hostEarnings,
    by,
  };
  return { ok: true, events: [event], bookingId };
}

/** Windows of every booking that holds the slot, except `exceptId` (the booking being changed). */
export function takenIntervals(state: SpaceState, exceptId: string | null): Interval[] {
  const taken: Interval[] = [];
  for (const booking of state.bookings) {
    if (booking.id !== exceptId && holdsSlot(booking.status)) {
      taken.push({ start: booking.start, end: booking.end });
    }
  }
  return taken;
}

/**
 * The taken windows (as in `takenIntervals`) that come within the buffer of `window`: the only
 * ones that can refuse it. Starts at the first booking that can end near the window and stops at
 * the first starting past it (the list is sorted by start), however many the space holds.
 */
function takenNear(state: SpaceState, exceptId: string | null, window: Interval): Interval[] {
  const buffer = state.settings.rules.bufferMinutes * MS_PER_MINUTE;
  const near: Interval[] = [];
  for (const booking of state.bookings.endingAfter(window.start - buffer)) {
    if (booking.start - buffer >= window.end) break;
    if (
      booking.id !== exceptId &&
      holdsSlot(booking.status) &&
      booking.end + buffer > window.start &&
      booking.end > booking.start
    ) {
      near.push({ start: booking.start, end: booking.end });
    }
  }
  return near;
}

/** Whether `userId` may cause `transition` on this booking (the one rule, booking-access.ts). */
function mayAct(state: SpaceState, booking: SpaceBooking, userId: string, transition: BookingTransition) {
  return mayTransition(userId, { hostId: state.settings.hostId, driverId: booking.driverId }, transition);
}

/** When a time-driven transition may happen: the deadline, the start, the end. */
function dueTime(booking: SpaceBooking, transition: BookingTransition): number | null {
  switch (transition) {
    case "expire":
      return booking.expiresAt ?? booking.start;
    case "start":
      return booking.start;
    case "end":
      return booking.end;
    default:
      return null;
  }
}

/**
 * The deadline of a booking entering `status`: payment must arrive within the payment window, the
 * host must answer within the approval window; both end no later than the stay's start.
 */
function deadlineFor(status: BookingStatus, start: number, now: number, policy: SpacePolicy): number | null {
  if (status === "awaiting_payment") {
    return Math.min(now + policy.paymentWindowMinutes * MS_PER_MINUTE, Math.max(start, now));
  }
  if (status === "pending_approval") {
    return Math.min(now + policy.approvalWindowMinutes * MS_PER_MINUTE, Math.max(start, now));
  }
  return null;
}

function windowRejection(check: WindowRejection): SpaceDecision {
  switch (check.reason) {
    case "invalid_window":
      return reject("invalid_window", "the window must end after it starts, on whole minutes");
    case "too_short":
      return reject("too_short", `a booking must last at least ${check.minDurationMinutes} minutes`, {
        minDurationMinutes: check.minDurationMinutes,
      });
    case "too_long":
      return reject("too_long", `a booking may last at most ${check.maxDurationMinutes} minutes`, {
        maxDurationMinutes: check.maxDurationMinutes,
      });
    case "too_soon":
      return reject("too_soon", "the booking starts too soon", {
        earliestStart: new Date(check.earliestStart).toISOString(),
      });
    case "beyond_horizon":
      return reject("beyond_horizon", "the booking starts further ahead than bookings may", {
        latestStart: new Date(check.latestStart).toISOString(),
      });
    case "outside_schedule":
      return reject("outside_schedule", "the space is not open for the whole window");
    case "slot_unavailable":
      return reject("slot_unavailable", "this window is already taken");
    default:
      return assertNever(check, "window rejection");
  }
}

function priceTooLarge(total: number): SpaceDecision {
  return reject("price_too_large", "the price of this window is larger than a booking may cost", {
    total,
    maxAmount: MAX_AMOUNT,
  });
}

function reject(
  code: SpaceRejectionCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): SpaceDecision {
  const rejection: SpaceRejection = details === undefined ? { code, message } : { code, message, details };
  return { ok: false, rejection };
}

const PAST_TENSE: Record<BookingTransition, string> = {
  payment_authorized: "marked as paid",
  payment_failed: "marked as unpaid",
  approve: "approved",
  reject: "rejected",
  cancel: "cancelled",
  expire: "expired",
  start: "started",
  end: "ended",
  extend: "extended",
};

function pastTense(transition: BookingTransition): string {
  return PAST_TENSE[transition];
}
