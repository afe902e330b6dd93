// All SQL of notifications: who a booking event concerns, users' channel choices, the notification
// rows (written once per event, user and channel), the in-app list and its read marks, and the email
// rows' delivery state.
import {
  type ChannelChoice,
  defaultChannels,
  NOTIFICATION_KINDS,
  type NotificationChannel,
  type NotificationKind,
} from "../notifications/notification-kinds.ts";
import { afterCursor, cursorAtColumn, cutPage, type NewestFirstCursor } from "./newest-first-page.ts";
import type { Queryable } from "./postgres.ts";

/** One party of a booking as a notification needs them. */
export interface BookingParty {
  userId: string;
  firstName: string;
  language: string;
  /** user_preferences.email_notifications: off turns every notification email off. */
  emailOn: boolean;
  active: boolean;
}

export interface BookingAudience {
  bookingId: string;
  spaceTitle: string;
  timeZone: string;
  start: number;
  end: number;
  driver: BookingParty;
  host: BookingParty;
}

export async function findBookingAudience(db: Queryable, bookingId: string): Promise<BookingAudience | null> {
  const party = (alias: string, prefs: string) => `json_build_object(
      'userId', ${alias}.id, 'firstName', ${alias}.first_name,
      'language', coalesce(${prefs}.language, 'en'), 'emailOn', coalesce(${prefs}.email_notifications, true),
      'active', ${alias}.status = 'active')`;
  const { rows } = await db.query<BookingAudience>(
    `select b.id as "bookingId", s.title as "spaceTitle", s.timezone as "timeZone",
            (extract(epoch from lower(b.during)) * 1000)::int8 as start,
            (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
            ${party("d", "dp")} as driver, ${party("h", "hp")} as host
       from bookings b
       join parking_spaces s on s.id = b.space_id
       join users d on d.id = b.driver_id
       join users h on h.id = s.host_id
       left join user_preferences dp on dp.user_id = d.id
       left join user_preferences hp on hp.user_id = h.id
      where b.id = $1`,
    [bookingId],
  );
  return rows[0] ?? null;
}

/** Every kind's channels for a user: their choice where they made one, the default elsewhere. */
export async function channelChoices(
  db: Queryable,
  userId: string,
): Promise<Record<NotificationKind, ChannelChoice>> {
  const { rows } = await db.query<ChannelChoice & { kind: string }>(
    `select kind, email, sms, push from notification_preferences where user_id = $1`,
    [userId],
  );
  const chosen = new Map(rows.map((row) => [row.kind, row]));
  return Object.fromEntries(
    NOTIFICATION_KINDS.map((kind) => {
      const row = chosen.get(kind);
      return [kind, row ? { email: row.email, sms: row.sms, push: row.push } : defaultChannels(kind)];
    }),
  ) as Record<NotificationKind, ChannelChoice>;
}

/** Sets the channels sent for the kinds named (fields left out keep their value); answers them all. */
export async function setChannelChoices(
  db: Queryable,
  userId: string,
  changes: Partial<Record<NotificationKind, Partial<ChannelChoice>>>,
): Promise<Record<NotificationKind, ChannelChoice>> {
  const current = await channelChoices(db, userId);
  const rows = Object.entries(changes).map(([kind, change]) => ({
    kind,
    ...current[kind as NotificationKind],
    ...Object.fromEntries(Object.entries(change ?? {}).filter(([, v]) => v !== undefined)),
  }));
  if (rows.length > 0) {
    await db.query(
      `insert into notification_preferences (user_id, kind, email, sms, push)
       select $1, r.kind, r.email, r.sms, r.push
         from jsonb_to_recordset($2::jsonb) as r(kind text, email boolean, sms boolean, push boolean)
        where exists (select 1 from users where id = $1)
       on conflict (user_id, kind) do update
         set email = excluded.email, sms = excluded.sms, push = excluded.push, updated_at = now()`,
      [userId, JSON.stringify(rows)],
    );
  }
  return channelChoices(db, userId);
}

export type NotificationStatus = "pending" | "sent" | "failed" | "skipped";

export interface NewNotification {
  eventId: number;
  userId: string;
  channel: NotificationChannel;
  kind: NotificationKind;
  bookingId: string | null;
  language: string;
  status: NotificationStatus;
  subject: string;
  body: string;
}

/**
 * Writes the rows not written before (one per event, user and channel); answers the ids and
 * statuses of those it wrote.
 */
export async function insertNotifications(
  db: Queryable,
  rows: readonly NewNotification[],
): Promise<{ id: string; channel: NotificationChannel; status: NotificationStatus }[]> {
  if (rows.length === 0) return [];
  const { rows: written } = await db.query<{
    id: string;
    channel: NotificationChannel;
    status: NotificationStatus;
  }>(
    `insert into notifications (event_id, user_id, channel, kind, booking_id, language, status, subject, body, sent_at)
     select r."eventId", r."userId", r.channel, r.kind, r."bookingId", r.language, r.status, r.subject, r.body,
            case when r.status = 'sent' then now() end
       from jsonb_to_recordset($1::jsonb) as r("eventId" bigint, "userId" uuid, channel text, kind text,
            "bookingId" uuid, language text, status text, subject text, body text)
     on conflict (event_id, user_id, channel) do nothing
     returning id, channel, status`,
    [JSON.stringify(rows)],
  );
  return written;
}

export interface InAppNotification {
  id: string;
  kind: NotificationKind;
  bookingId: string | null;
  subject: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

/** A user's in-app notifications, newest first, a page at a time. */
export async function listInApp(
  db: Queryable,
  userId: string,
  page: { limit: number; after?: NewestFirstCursor; unreadOnly?: boolean },
): Promise<{ items: InAppNotification[]; next?: NewestFirstCursor }> {
  const params: unknown[] = [userId];
  const where = [`n.user_id = $1`, `n.channel = 'in_app'`];
  if (page.unreadOnly) where.push(`n.read_at is null`);
  if (page.after) where.push(afterCursor("n", params, page.after));
  params.push(page.limit + 1);
  const { rows } = await db.query<InAppNotification & { cursorAt: string }>(
    `select n.id, n.kind, n.booking_id as "bookingId", n.subject, n.body,
            to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
            to_char(n.read_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "readAt",
            ${cursorAtColumn("n")}
       from notifications n
      where ${where.join(" and ")}
      order by n.created_at desc, n.id desc
      limit $${params.length}`,
    params,
  );
  return cutPage(rows, page.limit);
}

export async function unreadCount(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from notifications where user_id = $1 and channel = 'in_app' and read_at is null`,
    [userId],
  );
  return rows[0]!.n;
}

/** Marks one of the user's in-app notifications read (once: a second mark keeps the first time). */
export async function markRead(db: Queryable, userId: string, id: string): Promise<InAppNotification | null> {
  const { rows } = await db.query<InAppNotification>(
    `update notifications n set read_at = coalesce(n.read_at, now())
      where n.id = $1 and n.user_id = $2 and n.channel = 'in_app'
      returning n.id, n.kind, n.booking_id as "bookingId", n.subject, n.body,
        to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt",
        to_char(n.read_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "readAt"`,
    [id, userId],
  );
  return rows[0] ?? null;
}

export interface EmailToSend {
  id: string;
  userId: string;
  kind: NotificationKind;
  to: string;
  subject: string;
  body: string;
  status: NotificationStatus;
}

export async function findEmail(db: Queryable, id: string): Promise<EmailToSend | null> {
  const { rows } = await db.query<EmailToSend>(
    `select n.id, n.user_id as "userId", n.kind, u.email as to, n.subject, n.body, n.status
       from notifications n join users u on u.id = n.user_id
      where n.id = $1 and n.channel = 'email'`,
    [id],
  );
  return rows[0] ?? null;
}

/** The SMTP server accepted the mail. */
export async function markEmailSent(db: Queryable, id: string): Promise<void> {
  await db.query(
    `update notifications set status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = null
      where id = $1 and status = 'pending'`,
    [id],
  );
}

/** An attempt failed; `final` when no retry follows. */
export async function markEmailAttemptFailed(
  db: Queryable,
  id: string,
  error: string,
  final: boolean,
): Promise<void> {
  await db.query(
    `update notifications set attempts = attempts + 1, last_error = left($2, 1000),
            status = case when $3::boolean then 'failed' else status end
      where id = $1 and status = 'pending'`,
    [id, error, final],
  );
}

/** Pending email rows written at least `olderThanSeconds` ago (their job may have been lost). */
export async function pendingEmailIds(
  db: Queryable,
  olderThanSeconds: number,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select id from notifications
      where status = 'pending' and channel = 'email' and created_at < now() - make_interval(secs => $1)
      order by created_at limit $2`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => row.id);
}
