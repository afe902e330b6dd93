// What the product tells people, as data: the kinds of notification, which are essential (about a
// booking's money or its very existence: no List-Unsubscribe header), each kind's default channels,
// and which booking event makes which kinds for whom. Pure; the outbox handler and the preferences
// routes read it.
import { z } from "zod";

/**
 * Every kind: whether it is essential (it changes a booking's existence or its money: mail a user
 * needs, sent without List-Unsubscribe) and whether its email is on for a user who never chose.
 * A booking starting or ending is not mailed by default (the app says it).
 */
const KINDS = {
  booking_request: { essential: true, emailByDefault: true },
  booking_approved: { essential: true, emailByDefault: true },
  booking_confirmed: { essential: true, emailByDefault: true },
  booking_rejected: { essential: true, emailByDefault: true },
  booking_expired: { essential: true, emailByDefault: true },
  booking_payment_failed: { essential: true, emailByDefault: true },
  booking_cancelled: { essential: true, emailByDefault: true },
  booking_extended: { essential: false, emailByDefault: true },
  booking_started: { essential: false, emailByDefault: false },
  booking_completed: { essential: false, emailByDefault: false },
} as const satisfies Record<string, { essential: boolean; emailByDefault: boolean }>;

export type NotificationKind = keyof typeof KINDS;
export const NOTIFICATION_KINDS = Object.keys(KINDS) as [NotificationKind, ...NotificationKind[]];
export const notificationKindSchema = z.enum(NOTIFICATION_KINDS);

/** Channels a notification can take; in-app is always on, push and SMS are chosen but not sent yet. */
export const NOTIFICATION_CHANNELS = ["in_app", "email", "push", "sms"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** The channels a user chooses per kind (in-app is not a choice). */
export interface ChannelChoice {
  email: boolean;
  sms: boolean;
  push: boolean;
}

export const isEssential = (kind: NotificationKind): boolean => KINDS[kind].essential;

/** A kind's channels for a user who never chose: email as the table says, push on, SMS off. */
export function defaultChannels(kind: NotificationKind): ChannelChoice {
  return { email: KINDS[kind].emailByDefault, sms: false, push: true };
}

export type Recipient = "driver" | "host";

export interface NotificationIntent {
  kind: NotificationKind;
  to: Recipient;
}

/** What this reads of a booking event's payload (the ledger writes more; see SpaceEvent). */
const bookingEventPayload = z.object({
  booking: z.object({ status: z.string() }).optional(),
  from: z.string().optional(),
});
type BookingEventData = z.infer<typeof bookingEventPayload>;

/**
 * The notifications each booking event makes. A request waiting for approval tells the host (at once
 * for a free booking, after the card's authorization for a paid one); the driver hears of its answer;
 * both hear of a cancellation; the host hears of an extension; the driver of a start and an end. A
 * request still waiting for payment tells nobody yet.
 */
const EVENTS: Record<string, (data: BookingEventData) => NotificationIntent[]> = {
  "booking.requested": (data) => {
    const status = data.booking?.status;
    if (status === "pending_approval") return [{ kind: "booking_request", to: "host" }];
    if (status === "confirmed") return [{ kind: "booking_confirmed", to: "driver" }];
    return [];
  },
  "booking.pending_approval": () => [{ kind: "booking_request", to: "host" }],
  "booking.confirmed": (data) => [
    { kind: data.from === "pending_approval" ? "booking_approved" : "booking_confirmed", to: "driver" },
  ],
  "booking.rejected": () => [{ kind: "booking_rejected", to: "driver" }],
  "booking.expired": () => [{ kind: "booking_expired", to: "driver" }],
  "booking.payment_failed": () => [{ kind: "booking_payment_failed", to: "driver" }],
  "booking.cancelled": () => [
    { kind: "booking_cancelled", to: "driver" },
    { kind: "booking_cancelled", to: "host" },
  ],
  "booking.extended": () => [{ kind: "booking_extended", to: "host" }],
  "booking.active": () => [{ kind: "booking_started", to: "driver" }],
  "booking.completed": () => [{ kind: "booking_completed", to: "driver" }],
};

/** Booking events that may notify someone. */
export const NOTIFYING_EVENTS: ReadonlySet<string> = new Set(Object.keys(EVENTS));

export function notificationsOfEvent(eventType: string, payload: unknown): NotificationIntent[] {
  const make = EVENTS[eventType];
  if (make === undefined) return [];
  const parsed = bookingEventPayload.safeParse(payload);
  return make(parsed.success ? parsed.data : {});
}
