// Request and response schemas of /api/v1/payments and /api/v1/commissions: what a driver sends to pay
// a booking, what an admin sends to refund, and what the API answers (amounts in minor units).
import { z } from "@hono/zod-openapi";
import { entityId } from "./schemas.ts";
import { freeText } from "./text-fields.ts";

export const PaymentProcess = z
  .strictObject({
    bookingId: entityId(),
    /** A Stripe PaymentMethod id (from Stripe.js), or a test card such as pm_card_visa in test mode. */
    paymentMethodId: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]{1,200}$/, "must be a Stripe PaymentMethod id (pm_…)")
      .openapi({ example: "pm_card_visa" }),
  })
  .openapi("PaymentProcess");

export const PaymentRefund = z
  .strictObject({
    /** Minor units to give back; at most what was captured and not yet refunded. */
    amount: z.number().int().min(1).max(2_147_483_647),
    reason: freeText(500).optional(),
  })
  .openapi("PaymentRefund");

export const PaymentParams = z.object({ id: entityId().openapi({ param: { name: "id", in: "path" } }) });
export const PaymentUserParams = z.object({
  userId: entityId().openapi({ param: { name: "userId", in: "path" } }),
});
export const CommissionParams = z.object({
  bookingId: entityId().openapi({ param: { name: "bookingId", in: "path" } }),
});
export const PaymentListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});

const paymentStatus = z.enum([
  "creating",
  "authorized",
  "failed",
  "captured",
  "released",
  "refunded",
  "partially_refunded",
]);

export const PaymentSchema = z
  .object({
    id: z.uuid(),
    bookingId: z.uuid(),
    /** `booking` (the authorization made when the driver paid) or `extension:<new end, epoch ms>`. */
    purpose: z.string(),
    status: paymentStatus,
    currency: z.string(),
    amount: z.number().int(),
    applicationFee: z.number().int(),
    capturedAmount: z.number().int(),
    refundedAmount: z.number().int(),
    cancellationPolicy: z.enum(["flexible", "moderate", "strict"]),
    failureCode: z.string().nullable(),
    failureMessage: z.string().nullable(),
    /** The Stripe PaymentIntent (pi_…). */
    paymentIntentId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Payment");

export const PaymentProcessed = PaymentSchema.extend({
  /** The booking's status once its actor took the payment's outcome. */
  bookingStatus: z.string(),
}).openapi("PaymentProcessed");

export const PaymentListSchema = z
  .object({ payments: z.array(PaymentSchema), nextCursor: z.string().nullable() })
  .openapi("PaymentList");

export const CommissionSchema = z
  .object({
    bookingId: z.uuid(),
    currency: z.string(),
    /** What the booking costs (its price, extensions included). */
    totalAmount: z.number().int(),
    /** Captured less refunded, over all the booking's payments. */
    retainedAmount: z.number().int(),
    /** The platform's fee on what was retained: each payment's fee in proportion to what it kept. */
    platformFee: z.number().int(),
    /** What the host is paid: retained less the platform's fee. */
    hostEarnings: z.number().int(),
    /** pending (nothing captured yet), earned (captured), refunded (all given back), none (unpaid). */
    status: z.enum(["pending", "earned", "refunded", "none"]),
  })
  .openapi("Commission");
