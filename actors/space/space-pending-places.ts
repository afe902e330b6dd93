// Keeps each driver's places among pending requests (src/storage/booking-admission.ts) in step with
// the space's committed decisions: a request that waits for the host (pending_approval, or on its way
// there in awaiting_payment on a request-to-book space) holds its place until its deadline; approval,
// rejection, cancellation, a failed payment or expiry gives it back. Runs after the commit and never
// delays a reply; a place it misses stops counting at the request's deadline anyway.
import type { BookingStatus } from "../../src/domain/index.ts";
import type { Logger } from "../../src/logger.ts";
import type { BookingAdmission } from "../../src/storage/booking-admission.ts";
import type { SpaceEvent } from "./space-commands.ts";
import { findSpaceBooking, type SpaceState } from "./space-state.ts";

export type PendingPlaceChange =
  | { readonly kind: "hold"; readonly driverId: string; readonly bookingId: string; readonly until: number }
  | { readonly kind: "release"; readonly driverId: string; readonly bookingId: string };

/** Whether a booking in `status` on a space of `mode` takes one of its driver's pending places. */
export function takesPendingPlace(
  status: BookingStatus,
  mode: SpaceState["settings"]["bookingMode"],
): boolean {
  return status === "pending_approval" || (status === "awaiting_payment" && mode === "request");
}

/** What `events` (committed on `before`) change about drivers' pending places. */
export function pendingPlaceChanges(before: SpaceState, events: readonly SpaceEvent[]): PendingPlaceChange[] {
  const mode = before.settings.bookingMode;
  const changes: PendingPlaceChange[] = [];
  for (const event of events) {
    if (event.type === "bookingRequested") {
      const { booking } = event;
      if (takesPendingPlace(booking.status, mode) && booking.expiresAt !== null) {
        changes.push({
          kind: "hold",
          driverId: booking.driverId,
          bookingId: booking.id,
          until: booking.expiresAt,
        });
      }
    } else if (event.type === "bookingStatusChanged") {
      const booking = findSpaceBooking(before, event.bookingId);
      if (booking === undefined) continue;
      const held = takesPendingPlace(event.from, mode);
      const holds = takesPendingPlace(event.to, mode);
      if (holds && event.expiresAt !== null) {
        // A new deadline (payment authorized, now waiting for the host): the place counts until it.
        changes.push({
          kind: "hold",
          driverId: booking.driverId,
          bookingId: booking.id,
          until: event.expiresAt,
        });
      } else if (held && !holds) {
        changes.push({ kind: "release", driverId: booking.driverId, bookingId: booking.id });
      }
    }
  }
  return changes;
}

/** Applies the changes in the background; a failure is logged. */
export function applyPendingPlaceChanges(
  admission: BookingAdmission,
  changes: readonly PendingPlaceChange[],
  logger: Logger | undefined,
): void {
  for (const change of changes) {
    const done =
      change.kind === "hold"
        ? admission.hold(change.driverId, change.bookingId, change.until)
        : admission.release(change.driverId, change.bookingId);
    done.catch((error: unknown) => logger?.error({ err: error, change }, "pending place not updated"));
  }
}
