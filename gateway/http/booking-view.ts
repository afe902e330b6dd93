// How a booking read from the ledger is shown on the wire (ISO times, the deadline only while there
// is one), and the opaque cursor of booking lists.
import type { z } from "@hono/zod-openapi";
import { bookingView } from "../../actors/space/index.ts";
import type { BookingRecord } from "../../src/storage/bookings-repository.ts";
import type { BookingDetailSchema } from "./booking-schemas.ts";

export function toBookingDetail(record: BookingRecord): z.infer<typeof BookingDetailSchema> {
  return {
    ...bookingView(record.spaceId, record),
    driverId: record.driverId,
    hostId: record.hostId,
    vehicle: record.vehicle,
    specialRequests: record.specialRequests,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
