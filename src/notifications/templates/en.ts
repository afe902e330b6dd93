// English notification texts.
import type { LanguageTemplates } from "./template-data.ts";

const sign = "— Parkealo";

export const en: LanguageTemplates = {
  booking_request: (d) => ({
    subject: `New booking request for ${d.spaceTitle}`,
    text: `${d.otherName} asks to park at ${d.spaceTitle}, ${d.window}.\nApprove or reject the request before it expires; until then the slot is held for them.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_approved: (d) => ({
    subject: `Your booking at ${d.spaceTitle} is approved`,
    text: `${d.otherName} approved your request: you park at ${d.spaceTitle}, ${d.window}.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_confirmed: (d) => ({
    subject: `Your booking at ${d.spaceTitle} is confirmed`,
    text: `Your booking is confirmed: you park at ${d.spaceTitle}, ${d.window}.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_rejected: (d) => ({
    subject: `Your request for ${d.spaceTitle} was declined`,
    text: `The host could not accept your request for ${d.spaceTitle}, ${d.window}. Nothing is charged.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_expired: (d) => ({
    subject: `Your request for ${d.spaceTitle} expired`,
    text: `Your request for ${d.spaceTitle}, ${d.window}, got no answer in time and expired. Nothing is charged.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_payment_failed: (d) => ({
    subject: `Payment for ${d.spaceTitle} failed`,
    text: `Your card could not be authorized for ${d.spaceTitle}, ${d.window}, so the booking was not made.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_cancelled: (d) => ({
    subject: `Booking at ${d.spaceTitle} cancelled`,
    text: `The booking at ${d.spaceTitle}, ${d.window}, is cancelled.${d.role === "driver" ? " Any refund follows the space's cancellation policy." : " The slot is free again."}\nBooking ${d.reference}\n${sign}`,
  }),
  booking_extended: (d) => ({
    subject: `Booking at ${d.spaceTitle} extended`,
    text: `${d.otherName} extended their booking at ${d.spaceTitle}: now ${d.window}.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_started: (d) => ({
    subject: `Your parking at ${d.spaceTitle} has started`,
    text: `Your booking at ${d.spaceTitle} has started: ${d.window}.\nBooking ${d.reference}\n${sign}`,
  }),
  booking_completed: (d) => ({
    subject: `Your parking at ${d.spaceTitle} has ended`,
    text: `Your booking at ${d.spaceTitle} (${d.window}) has ended. Thank you for parking with us.\nBooking ${d.reference}\n${sign}`,
  }),
};
