-- Up Migration
-- The money of each paid booking: one row per PaymentIntent. `booking` is the card authorization made
-- when the driver pays (captured when the booking is confirmed, released when it ends unconfirmed,
-- refunded in part or whole under the cancellation policy); each extension of a paid booking charges
-- its difference through an intent of its own (purpose `extension:<new end, epoch ms>`). The row is
-- written before Stripe is called, so an intent whose answer was lost is still found (by its key).
create table payments (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null references bookings(id) on delete cascade,
  purpose text not null check (purpose ~ '^(booking|extension:[0-9]+)$'),
  driver_id uuid not null references users(id),
  host_id uuid not null references users(id),
  -- The host's connected account the money goes to (transfer_data.destination).
  destination text not null,
  stripe_payment_intent_id text unique,
  payment_method text,
  status text not null default 'creating'
    check (status in ('creating', 'authorized', 'failed', 'captured', 'released', 'refunded', 'partially_refunded')),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  amount int not null check (amount > 0),
  application_fee int not null check (application_fee >= 0 and application_fee <= amount),
  captured_amount int not null default 0 check (captured_amount >= 0),
  refunded_amount int not null default 0 check (refunded_amount >= 0 and refunded_amount <= captured_amount),
  -- The policy the driver paid under (the space's at that moment): refunds follow it, not a later one.
  cancellation_policy text not null check (cancellation_policy in ('flexible', 'moderate', 'strict')),
  failure_code text,
  failure_message text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (booking_id, purpose)
);

create index payments_driver_idx on payments (driver_id, created_at desc, id desc);
create index payments_host_idx on payments (host_id, created_at desc, id desc);

-- Down Migration
drop table if exists payments;
