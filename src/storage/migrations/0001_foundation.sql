-- Up Migration
-- The ledger's foundation: users and auth, parking spaces and their availability, bookings with
-- an exclusion constraint against overlaps, idempotency keys and the transactional outbox.
-- Money is integer minor units plus an ISO 4217 currency; times are timestamptz; a booking's time is
-- a tstzrange with [) bounds.

create extension if not exists btree_gist;
create extension if not exists pg_trgm;

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email = lower(email) and position('@' in email) > 1),
  password_hash text not null,
  first_name text not null,
  last_name text not null,
  phone text,
  avatar_url text,
  bio text,
  email_verified_at timestamptz,
  status text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on users (email);

create table user_roles (
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('driver', 'host', 'admin')),
  granted_at timestamptz not null default now(),
  primary key (user_id, role)
);

create table user_preferences (
  user_id uuid primary key references users (id) on delete cascade,
  email_notifications boolean not null default true,
  sms_notifications boolean not null default false,
  push_notifications boolean not null default true,
  marketing_emails boolean not null default false,
  language text not null default 'en',
  currency char(3) not null default 'EUR',
  timezone text not null default 'UTC',
  updated_at timestamptz not null default now()
);

-- Rotating refresh tokens: one family per login; only the sha-256 of a token is stored. Presenting a
-- token that was already used revokes its whole family (a stolen token is detected on reuse).
create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  family_id uuid not null,
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz
);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id);

-- One-time tokens sent by mail (verify an address, reset a password); hashed like refresh tokens.
create table email_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  purpose text not null check (purpose in ('verify_email', 'reset_password')),
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index email_tokens_user_idx on email_tokens (user_id, purpose);

create table parking_spaces (
  id uuid primary key default gen_random_uuid(),
  host_id uuid not null references users (id),
  title text not null,
  description text,
  address_line1 text not null,
  address_line2 text,
  city text not null,
  state text,
  postal_code text not null,
  country char(2) not null,
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  -- H3 cell of the location at the map resolution, and its parent at the shard resolution.
  h3_cell text not null,
  h3_shard_cell text not null,
  timezone text not null,
  space_type text not null check (space_type in ('garage', 'driveway', 'lot', 'street', 'covered', 'underground')),
  space_size text not null check (space_size in ('motorcycle', 'compact', 'standard', 'large', 'oversized')),
  booking_mode text not null check (booking_mode in ('instant', 'request')),
  currency char(3) not null,
  hourly_rate integer not null check (hourly_rate >= 0),
  daily_rate integer check (daily_rate >= 0),
  monthly_rate integer check (monthly_rate >= 0),
  buffer_minutes integer not null default 0 check (buffer_minutes between 0 and 1440),
  min_notice_minutes integer not null default 0 check (min_notice_minutes between 0 and 43200),
  min_duration_minutes integer not null default 30 check (min_duration_minutes > 0),
  max_duration_minutes integer check (max_duration_minutes is null or max_duration_minutes >= min_duration_minutes),
  status text not null default 'active' check (status in ('active', 'inactive', 'deleted')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index parking_spaces_h3_cell_idx on parking_spaces (h3_cell) where status = 'active';
create index parking_spaces_h3_shard_idx on parking_spaces (h3_shard_cell);
create index parking_spaces_host_idx on parking_spaces (host_id);
create index parking_spaces_city_trgm_idx on parking_spaces using gin (lower(city) gin_trgm_ops);
create index parking_spaces_title_trgm_idx on parking_spaces using gin (lower(title) gin_trgm_ops);

create table space_amenities (
  space_id uuid not null references parking_spaces (id) on delete cascade,
  amenity text not null,
  primary key (space_id, amenity)
);

-- Weekly opening hours in the space's own time zone. end_minute may pass 1440 for overnight hours
-- (e.g. 22:00 → 06:00 is start 1320, end 1800).
create table space_availability (
  id bigint generated always as identity primary key,
  space_id uuid not null references parking_spaces (id) on delete cascade,
  day_of_week smallint not null check (day_of_week between 0 and 6),
  start_minute smallint not null check (start_minute between 0 and 1439),
  end_minute smallint not null check (end_minute > start_minute and end_minute <= 2880)
);
create index space_availability_space_idx on space_availability (space_id);

-- Date exceptions in local time: a closed day (no minutes given) or closed/extra hours on that date.
create table space_availability_exceptions (
  id bigint generated always as identity primary key,
  space_id uuid not null references parking_spaces (id) on delete cascade,
  local_date date not null,
  kind text not null check (kind in ('closed', 'open')),
  start_minute smallint check (start_minute between 0 and 1439),
  end_minute smallint check (end_minute <= 2880),
  check ((start_minute is null) = (end_minute is null)),
  check (start_minute is null or end_minute > start_minute),
  check (kind = 'closed' or start_minute is not null)
);
create index space_availability_exceptions_idx on space_availability_exceptions (space_id, local_date);

create table space_images (
  id uuid primary key default gen_random_uuid(),
  space_id uuid not null references parking_spaces (id) on delete cascade,
  storage_key text not null,
  content_type text not null,
  size_bytes integer not null check (size_bytes > 0),
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create index space_images_space_idx on space_images (space_id);

-- awaiting_payment, pending_approval, confirmed and active hold the slot; the others do not.
create table bookings (
  id uuid primary key default gen_random_uuid(),
  space_id uuid not null references parking_spaces (id),
  driver_id uuid not null references users (id),
  status text not null check (status in (
    'awaiting_payment', 'payment_failed', 'pending_approval', 'confirmed', 'active',
    'completed', 'cancelled', 'rejected', 'expired'
  )),
  during tstzrange not null check (not isempty(during) and lower_inc(during) and not upper_inc(during)
    and not lower_inf(during) and not upper_inf(during)),
  currency char(3) not null,
  total_amount integer not null check (total_amount >= 0),
  platform_fee integer not null check (platform_fee >= 0),
  host_earnings integer not null check (host_earnings >= 0),
  vehicle jsonb,
  special_requests text,
  expires_at timestamptz,
  -- The actor command that created the booking: a re-delivered command finds its first effect here.
  command_id text unique,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint bookings_no_overlap exclude using gist (space_id with =, during with &&)
    where (status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active'))
);
create index bookings_driver_idx on bookings (driver_id, created_at desc);
create index bookings_space_idx on bookings (space_id, lower(during));

create table booking_status_history (
  id bigint generated always as identity primary key,
  booking_id uuid not null references bookings (id) on delete cascade,
  from_status text,
  to_status text not null,
  changed_by uuid references users (id),
  reason text,
  created_at timestamptz not null default now()
);
create index booking_status_history_booking_idx on booking_status_history (booking_id, id);

-- Idempotency-Key records: scope is the caller (user id, or the client address for anonymous calls).
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  state text not null check (state in ('in_flight', 'done')),
  response_status integer,
  response_body text,
  response_content_type text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (scope, key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);

-- Transactional outbox: events written in the same transaction as the change they describe,
-- relayed afterwards (notifications, payments, search, analytics).
create table outbox (
  id bigint generated always as identity primary key,
  aggregate_type text not null,
  aggregate_id text not null,
  event_type text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz
);
create index outbox_unpublished_idx on outbox (id) where published_at is null;

-- Down Migration
drop table if exists outbox;
drop table if exists idempotency_keys;
drop table if exists booking_status_history;
drop table if exists bookings;
drop table if exists space_images;
drop table if exists space_availability_exceptions;
drop table if exists space_availability;
drop table if exists space_amenities;
drop table if exists parking_spaces;
drop table if exists email_tokens;
drop table if exists refresh_tokens;
drop table if exists user_preferences;
drop table if exists user_roles;
drop table if exists users;
