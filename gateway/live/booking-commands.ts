// What the host channel calls to approve or reject a request-to-book. The booking actors provide
// the real implementation; a gateway started without one answers `unavailable`.
import { AppError } from "../../src/errors.ts";

export interface BookingDecision {
  bookingId: string;
  /** The booking's status after the command, e.g. confirmed or rejected. */
  status: string;
}

export interface BookingCommands {
  /** Approves a pending request; throws AppError (not_found, forbidden, conflict) when it cannot. */
  approve(input: { hostId: string; bookingId: string }): Promise<BookingDecision>;
  reject(input: { hostId: string; bookingId: string; reason?: string }): Promise<BookingDecision>;
}

export const unavailableBookingCommands: BookingCommands = {
  approve: () => Promise.reject(new AppError("internal", 503, "booking commands are not available here")),
  reject: () => Promise.reject(new AppError("internal", 503, "booking commands are not available here")),
};
