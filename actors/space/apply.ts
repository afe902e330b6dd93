// Folds one committed event into a space actor's state. Pure: returns a new state and leaves the
// old one untouched, so a failed commit simply keeps the state it started from.
import { assertNever } from "../../src/errors.ts";
import type { SpaceEvent } from "./space-commands.ts";
import { findSpaceBooking, type SpaceState, withBooking } from "./space-state.ts";

export function apply(state: SpaceState, event: SpaceEvent): SpaceState {
  switch (event.type) {
    case "bookingRequested":
      return withBooking(state, event.booking);
    case "bookingStatusChanged": {
      const booking = findSpaceBooking(state, event.bookingId);
      if (booking === undefined) return state;
      return withBooking(state, { ...booking, status: event.to, expiresAt: event.expiresAt });
    }
    case "bookingExtended": {
      const booking = findSpaceBooking(state, event.bookingId);
      if (booking === undefined) return state;
      return withBooking(state, {
        ...booking,
        end: event.toEnd,
        totalAmount: event.totalAmount,
        platformFee: event.platformFee,
        hostEarnings: event.hostEarnings,
      });
    }
    default:
      return assertNever(event, "space event");
  }
}

/** Folds every event of one decision, in order. */
export function applyAll(state: SpaceState, events: readonly SpaceEvent[]): SpaceState {
  let next = state;
  for (const event of events) next = apply(next, event);
  return next;
}
