// The live gateway's host channel (approve / reject in one WebSocket message) served by the space
// actors: the same rule (src/domain/booking-access.ts) and commands as PUT /bookings/{id}/approve|reject.

import { mayTransition, refusalMessage } from "../../src/domain/index.ts";
import { errors } from "../../src/errors.ts";
import { findBookingRecord } from "../../src/storage/bookings-repository.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import type { BookingCommands } from "../live/booking-commands.ts";
import { commandIdFor, type SpaceCommands } from "./space-commands.ts";

export function spaceBookingCommands(db: Queryable, spaceCommands: SpaceCommands): BookingCommands {
  const decide = async (type: "approve" | "reject", hostId: string, bookingId: string, reason?: string) => {
    const booking = await findBookingRecord(db, bookingId);
    if (!booking) throw errors.notFound("booking");
    if (!mayTransition(hostId, booking, type)) throw errors.forbidden(refusalMessage(type));
    const { value } = await spaceCommands.send(
      booking.spaceId,
      { type, bookingId, by: hostId, ...(reason ? { reason } : {}) },
      { commandId: commandIdFor(hostId, undefined) },
    );
    if (value === null) throw errors.notFound("booking");
    return { bookingId: value.id, status: value.status };
  };
  return {
    approve: ({ hostId, bookingId }) => decide("approve", hostId, bookingId),
    reject: ({ hostId, bookingId, reason }) => decide("reject", hostId, bookingId, reason),
  };
}
