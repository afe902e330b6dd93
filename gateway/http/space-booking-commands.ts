// The live gateway's host channel (approve / reject in one WebSocket message) served by the space
// actors: the same checks and commands as PUT /bookings/{id}/approve|reject.

import { errors } from "../../src/errors.ts";
import { findBookingRecord } from "../../src/storage/bookings-repository.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import type { BookingCommands } from "../live/booking-commands.ts";
import { commandIdFor, type SpaceCommands } from "./space-commands.ts";

export function spaceBookingCommands(db: Queryable, spaceCommands: SpaceCommands): BookingCommands {
  const decide = async (type: "approve" | "reject", hostId: string, bookingId: string, reason?: string) => {
    const booking = await findBookingRecord(db, bookingId);
    if (!booking) throw errors.notFound("booking");
    if (booking.hostId !== hostId) throw errors.forbidden(`only the space's host may ${type} this booking`);
    const reply = await spaceCommands.send(
      booking.spaceId,
      { type, bookingId, by: hostId, ...(reason ? { reason } : {}) },
      commandIdFor(hostId, `${type}:${bookingId}`, undefined),
    );
    if (reply === null) throw errors.notFound("booking");
    return { bookingId: reply.id, status: reply.status };
  };
  return {
    approve: ({ hostId, bookingId }) => decide("approve", hostId, bookingId),
    reject: ({ hostId, bookingId, reason }) => decide("reject", hostId, bookingId, reason),
  };
}
