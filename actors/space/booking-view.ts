// A booking as the actor answers it to callers (the REST body of POST /bookings and friends):
// ISO times, amounts in minor units, and the deadline only while there is one.
import type { BookingStatus } from "../../src/domain/index.ts";

export interface BookingView {
  readonly id: string;
  readonly spaceId: string;
  readonly status: BookingStatus;
  readonly start: string;
  readonly end: string;
  readonly totalAmount: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
  readonly currency: string;
  readonly expiresAt?: string;
}

/** The fields a view needs, as both the actor's state and the ledger's rows hold them. */
export interface ViewableBooking {
  readonly id: string;
  readonly status: string;
  readonly start: number;
  readonly end: number;
  readonly expiresAt: number | null;
  readonly currency: string;
  readonly totalAmount: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
}

export function bookingView(spaceId: string, booking: ViewableBooking): BookingView {
  const view: BookingView = {
    id: booking.id,
    spaceId,
    status: booking.status as BookingStatus,
    start: new Date(booking.start).toISOString(),
    end: new Date(booking.end).toISOString(),
    totalAmount: booking.totalAmount,
    platformFee: booking.platformFee,
    hostEarnings: booking.hostEarnings,
    currency: booking.currency,
  };
  return booking.expiresAt === null
    ? view
    : { ...view, expiresAt: new Date(booking.expiresAt).toISOString() };
}
