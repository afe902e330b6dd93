// How a booking read from the ledger is shown on the wire (ISO times, the deadline only while there
// is one), and the opaque cursor of booking lists.
import type { z } from "@hono/zod-openapi";
import { bookingView } from "../../actors/space/index.ts";
import { errors } from "../../src/errors.ts";
import type { BookingListCursor, BookingRecord } from "../../src/storage/bookings-repository.ts";
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

export function encodeBookingCursor(cursor: BookingListCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export function decodeBookingCursor(value: string): BookingListCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
    if (
      typeof createdAt === "string" &&
      timestamp.test(createdAt) &&
      typeof id === "string" &&
      uuid.test(id)
    ) {
      return { createdAt, id };
    }
  } catch {
    // fall through
  }
  throw errors.validation("invalid query: cursor: not a cursor this API gave out");
}
