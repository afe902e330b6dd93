// Request and response schemas of /api/v1/bookings: what a driver or host may send (strict; a bad
// field is a 400 before anything reaches a space actor) and what the API answers.
import { z } from "@hono/zod-openapi";
import { bookingStatusSchema } from "../../src/domain/index.ts";
import { entityId } from "./schemas.ts";
import { freeText, text } from "./text-fields.ts";

const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/** An ISO 8601 instant with Z or an offset, within the years the ledger takes; parsed to epoch ms. */
const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with offset or Z" })
  .refine((value) => {
    const ms = Date.parse(value);
    return ms >= EARLIEST && ms < LATEST;
  }, "must be between the years 2000 and 2199")
  .openapi({ example: "2030-06-01T09:00:00Z" });

export const VehicleInput = z
  .strictObject({
    make: text(60),
    model: text(60),
    color: text(40),
    licensePlate: text(20),
  })
  .openapi("Vehicle");

export const BookingCreate = z
  .strictObject({
    spaceId: entityId(),
    start: instant,
    end: instant,
    vehicle: VehicleInput.optional(),
    specialRequests: freeText(1000).optional(),
  })
  .openapi("BookingCreate");

export const BookingReason = z
  .strictObject({
    reason: freeText(1000).optional(),
  })
  .openapi("BookingReason");

export const BookingExtend = z.strictObject({ end: instant }).openapi("BookingExtend");

export const BookingParams = z.object({ id: entityId().openapi({ param: { name: "id", in: "path" } }) });
export const UserParams = z.object({ userId: z.uuid().openapi({ param: { name: "userId", in: "path" } }) });
export const SpaceBookingsParams = z.object({
  id: entityId().openapi({ param: { name: "id", in: "path" } }),
});

export const BookingListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
  status: bookingStatusSchema.optional(),
});

/** The answer of a booking command (and the summary in lists). */
export const BookingSchema = z
  .object({
    id: z.uuid(),
    spaceId: z.uuid(),
    status: bookingStatusSchema,
    start: z.string(),
    end: z.string(),
    totalAmount: z.number().int(),
    platformFee: z.number().int(),
    hostEarnings: z.number().int(),
    currency: z.string(),
    expiresAt: z.string().optional(),
  })
  .openapi("Booking");

export const BookingDetailSchema = BookingSchema.extend({
  driverId: z.uuid(),
  hostId: z.uuid(),
  vehicle: VehicleInput.nullable(),
  specialRequests: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).openapi("BookingDetail");

export const BookingWithHistorySchema = BookingDetailSchema.extend({
  history: z.array(
    z.object({
      from: z.string().nullable(),
      to: z.string(),
      changedBy: z.string().nullable(),
      reason: z.string().nullable(),
      at: z.string(),
    }),
  ),
}).openapi("BookingWithHistory");

export const BookingListSchema = z
  .object({ bookings: z.array(BookingDetailSchema), nextCursor: z.string().nullable() })
  .openapi("BookingList");
