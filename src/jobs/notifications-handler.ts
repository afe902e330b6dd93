// The outbox handler `notifications`: a booking event becomes the notifications its kinds make for
// the driver and the host (src/notifications/notification-kinds.ts), one row per channel, written in
// the handler's claim transaction and rendered in each reader's language. In-app rows are delivered
// by being written; email rows are `pending` (or `skipped` when the reader's preferences refuse
// them) and are sent after the commit by the email job, never inside this transaction.
import type { NotificationKind } from "../notifications/notification-kinds.ts";
import { NOTIFYING_EVENTS, notificationsOfEvent } from "../notifications/notification-kinds.ts";
import { formatWindow, notificationLanguage, renderNotification } from "../notifications/templates/index.ts";
import {
  type BookingAudience,
  channelChoices,
  findBookingAudience,
  insertNotifications,
  type NewNotification,
} from "../storage/notifications-repository.ts";
import type { PoolClient } from "../storage/postgres.ts";
import type { OutboxEvent } from "./outbox-events.ts";
import type { OutboxHandler } from "./outbox-handlers.ts";

export const NOTIFICATIONS_HANDLER = "notifications";

/** Queues the sending of email rows (by notification id); harmless when given an id twice. */
export type EnqueueEmails = (notificationIds: readonly string[]) => Promise<void>;

export function notificationsHandler(enqueueEmails: EnqueueEmails): OutboxHandler {
  return {
    name: NOTIFICATIONS_HANDLER,
    handles: (event) => event.aggregateType === "booking" && NOTIFYING_EVENTS.has(event.eventType),
    async handle(tx, event) {
      const rows = await notificationRows(tx, event);
      if (rows.length === 0) return;
      const written = await insertNotifications(tx, rows);
      const emails = written
        .filter((row) => row.channel === "email" && row.status === "pending")
        .map((r) => r.id);
      if (emails.length === 0) return;
      return () => enqueueEmails(emails);
    },
  };
}

/** The rows an event makes: in-app always, email as the reader's preferences say. */
async function notificationRows(tx: PoolClient, event: OutboxEvent): Promise<NewNotification[]> {
  const intents = notificationsOfEvent(event.eventType, event.payload);
  // A booking deleted since (its space's deletion cascades) leaves nobody to tell.
  const audience = await findBookingAudience(tx, event.aggregateId);
  if (audience === null) return [];
  const rows: NewNotification[] = [];
  for (const intent of intents) {
    const reader = audience[intent.to];
    if (!reader.active) continue;
    const other = intent.to === "driver" ? audience.host : audience.driver;
    const language = notificationLanguage(reader.language);
    const text = rendered(audience, intent.kind, intent.to, other.firstName, language);
    const choice = (await channelChoices(tx, reader.userId))[intent.kind];
    const common = {
      eventId: event.id,
      userId: reader.userId,
      kind: intent.kind,
      bookingId: audience.bookingId,
      language,
      subject: text.subject,
      body: text.text,
    };
    rows.push({ ...common, channel: "in_app", status: "sent" });
    rows.push({
      ...common,
      channel: "email",
      status: choice.email && reader.emailOn ? "pending" : "skipped",
    });
  }
  return rows;
}

function rendered(
  audience: BookingAudience,
  kind: NotificationKind,
  role: "driver" | "host",
  otherName: string,
  language: ReturnType<typeof notificationLanguage>,
) {
  return renderNotification(language, kind, {
    spaceTitle: audience.spaceTitle,
    window: formatWindow(audience.start, audience.end, audience.timeZone, language),
    otherName,
    role,
    reference: audience.bookingId.slice(0, 8),
  });
}
