// Who may act on a booking: the one rule the REST routes, the live host channel and the space actor
// all apply. A person plays "host" for bookings of their own space and "driver" for their own
// bookings (both at once for a booking of their own space); each transition names the parts that
// may cause it (booking-status.ts). Admins may see every booking but change none in another's name.
import { actorsFor, type BookingTransition, type TransitionActor } from "./booking-status.ts";
import type { Role } from "./roles.ts";

/** The two people a booking concerns. */
export interface BookingParties {
  readonly hostId: string;
  readonly driverId: string;
}

/** What a person may ask to do with a booking. */
export type BookingAction = "view" | Extract<BookingTransition, "approve" | "reject" | "cancel" | "extend">;

/** The parts `userId` plays in a booking. */
export function partsPlayed(userId: string, parties: BookingParties): TransitionActor[] {
  const parts: TransitionActor[] = [];
  if (userId === parties.hostId) parts.push("host");
  if (userId === parties.driverId) parts.push("driver");
  return parts;
}

/** Whether `userId` may cause `transition` on a booking between these parties. */
export function mayTransition(
  userId: string,
  parties: BookingParties,
  transition: BookingTransition,
): boolean {
  const allowed = actorsFor(transition);
  return partsPlayed(userId, parties).some((part) => allowed.includes(part));
}

/** Whether a signed-in user may do `action` with a booking; admins may view any. */
export function mayActOnBooking(
  user: { readonly id: string; readonly roles: readonly Role[] },
  parties: BookingParties,
  action: BookingAction,
): boolean {
  if (action === "view") return partsPlayed(user.id, parties).length > 0 || user.roles.includes("admin");
  return mayTransition(user.id, parties, action);
}

/** Why `action` is refused to someone who plays no allowed part in the booking. */
export function refusalMessage(action: BookingAction): string {
  switch (action) {
    case "view":
      return "only the booking's driver, the space's host or an admin may see this booking";
    case "approve":
    case "reject":
      return `only the space's host may ${action} this booking`;
    case "cancel":
      return "only the booking's driver or the space's host may cancel it";
    case "extend":
      return "only the booking's driver may extend it";
  }
}
