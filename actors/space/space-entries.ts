// The space actor's state as the runtime stores it: entries of one Redis hash, the space-wide part
// (settings and their version) under "space" and each booking under "b:<bookingId>", so a command
// writes the bookings it touched, not the thousands a busy garage holds.
import { assertNever } from "../../src/errors.ts";
import type { StateEntries } from "../runtime/index.ts";
import type { SpaceEvent } from "./space-commands.ts";
import { findSpaceBooking, type SpaceBooking, type SpaceState } from "./space-state.ts";

/** The entry of the space-wide part: everything of the state but its bookings. */
export const SPACE_ENTRY = "space";
const BOOKING_PREFIX = "b:";

/** The entry of one booking. */
export function bookingEntry(bookingId: string): string {
  return `${BOOKING_PREFIX}${bookingId}`;
}

function spacePart({ bookings: _bookings, ...space }: SpaceState): Omit<SpaceState, "bookings"> {
  return space;
}

export const spaceStateEntries: StateEntries<SpaceState> = {
  *all(state) {
    yield [SPACE_ENTRY, spacePart(state)];
    for (const booking of state.bookings) yield [bookingEntry(booking.id), booking];
  },
  get(state, key) {
    if (key === SPACE_ENTRY) return spacePart(state);
    return key.startsWith(BOOKING_PREFIX)
      ? findSpaceBooking(state, key.slice(BOOKING_PREFIX.length))
      : undefined;
  },
  from(entries) {
    const space = entries.get(SPACE_ENTRY);
    if (typeof space !== "object" || space === null) throw new Error("the space entry is missing");
    const bookings: SpaceBooking[] = [];
    for (const [key, value] of entries) {
      if (key === SPACE_ENTRY) continue;
      const booking = value as SpaceBooking;
      if (!key.startsWith(BOOKING_PREFIX) || booking?.id !== key.slice(BOOKING_PREFIX.length))
        throw new Error(`entry ${key} is not a booking of the space`);
      bookings.push(booking);
    }
    // Validated, and its bookings put in order, by the actor's state schema next.
    return { ...space, bookings };
  },
};

/** The entries a decision's events changed: the bookings they name, the space part for settings. */
export function entriesTouchedBy(events: readonly SpaceEvent[]): string[] {
  return events.map((event) => {
    switch (event.type) {
      case "bookingRequested":
        return bookingEntry(event.booking.id);
      case "bookingStatusChanged":
      case "bookingExtended":
        return bookingEntry(event.bookingId);
      case "spaceSettingsChanged":
        return SPACE_ENTRY;
      default:
        return assertNever(event, "space event");
    }
  });
}
