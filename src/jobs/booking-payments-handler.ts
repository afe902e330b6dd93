// The outbox handler `booking-payments`: a booking's money follows its events, and Stripe's. Booking
// events (confirmed, cancelled, expired, rejected, payment_failed, extended) and Stripe events about a
// payment (payment_intent.*, charge.refunded, relayed from the webhook) each make the booking's payments
// settle: whatever the booking and its intents say must happen next is done, whatever the events'
// order (src/payments/payment-plan.ts). An extension is charged first. Every Stripe call carries a key
// derived from the booking and the action, so a retried job moves money once.
import { z } from "zod";
import type { BookingPayments } from "../payments/booking-payments.ts";
import { findPaymentByIntent } from "../storage/payments-repository.ts";
import type { Queryable } from "../storage/postgres.ts";
import type { OutboxHandler } from "./outbox-handlers.ts";

export const BOOKING_PAYMENTS_HANDLER = "booking-payments";

/** Booking events after which money may have to move. */
const BOOKING_EVENTS: ReadonlySet<string> = new Set([
  "booking.confirmed",
  "booking.pending_approval",
  "booking.cancelled",
  "booking.expired",
  "booking.rejected",
  "booking.payment_failed",
  "booking.extended",
]);

const bookingPayload = z.object({ bookingId: z.uuid().optional(), toEnd: z.number().int().optional() });
const stripePayload = z.object({
  data: z.object({
    object: z.object({ object: z.string(), id: z.string(), payment_intent: z.string().nullish() }),
  }),
});

function isPaymentEvent(eventType: string): boolean {
  return eventType.startsWith("payment_intent.") || eventType === "charge.refunded";
}

export function bookingPaymentsHandler(db: Queryable, payments: BookingPayments): OutboxHandler {
  return {
    name: BOOKING_PAYMENTS_HANDLER,
    handles: (event) =>
      (event.aggregateType === "booking" && BOOKING_EVENTS.has(event.eventType)) ||
      (event.aggregateType === "stripe" && isPaymentEvent(event.eventType)),
    async handle(_tx, event) {
      if (event.aggregateType === "booking") {
        const payload = bookingPayload.parse(event.payload);
        const bookingId = payload.bookingId ?? event.aggregateId;
        if (event.eventType === "booking.extended" && payload.toEnd !== undefined) {
          await payments.chargeExtension(bookingId, payload.toEnd);
        }
        await payments.settle(bookingId);
        return;
      }
      const object = stripePayload.parse(event.payload).data.object;
      const intentId = object.object === "payment_intent" ? object.id : object.payment_intent;
      if (!intentId) return;
      const payment = await findPaymentByIntent(db, intentId);
      // An intent we did not make (another integration on the account): nothing of ours to settle.
      if (payment === undefined) return;
      await payments.settle(payment.bookingId);
    },
  };
}
