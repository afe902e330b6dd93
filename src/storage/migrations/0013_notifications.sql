-- Up Migration
-- Notifications (src/notifications/, docs/notifications.md). `notifications`: one row per
-- (outbox event, user, channel), written by the `notifications` outbox handler in its claim
-- transaction, so an event redelivered never notifies twice; the rendered subject and text hold no
-- secret and no token. In-app rows are `sent` when written; an email row is `pending` until the
-- email job has the SMTP server's accept (`sent`), gives up (`failed`), or is `skipped` when the
-- user's preferences refuse it. `notification_preferences`: a user's channel choices per kind, a
-- row only for kinds the user changed (the defaults live in src/notifications/notification-kinds.ts).
create table notifications (
  id uuid primary key default gen_random_uuid(),
  event_id bigint not null,
  user_id uuid not null references users (id) on delete cascade,
  channel text not null check (channel in ('in_app', 'email', 'push', 'sms')),
  kind text not null,
  booking_id uuid,
  language text not null,
  status text not null check (status in ('pending', 'sent', 'failed', 'skipped')),
  attempts integer not null default 0,
  last_error text,
  subject text not null,
  body text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  read_at timestamptz,
  unique (event_id, user_id, channel)
);
-- A user's in-app list, newest first, and its unread count.
create index notifications_inbox_idx on notifications (user_id, created_at desc, id desc) where channel = 'in_app';
create index notifications_unread_idx on notifications (user_id) where channel = 'in_app' and read_at is null;
-- The email sweep: pending rows whose job may have been lost.
create index notifications_pending_idx on notifications (created_at) where status = 'pending';

create table notification_preferences (
  user_id uuid not null references users (id) on delete cascade,
  kind text not null,
  email boolean not null,
  sms boolean not null,
  push boolean not null,
  updated_at timestamptz not null default now(),
  primary key (user_id, kind)
);

-- Down Migration
drop table if exists notification_preferences;
drop table if exists notifications;
