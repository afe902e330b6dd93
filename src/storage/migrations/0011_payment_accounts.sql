-- Up Migration
-- Hosts' Stripe Connect accounts, the Stripe webhook events received (deduplicated on Stripe's event
-- id: the webhook route inserts the id and the event's outbox row in one transaction), and the
-- payouts hosts asked for from their connected accounts.
-- host_payment_accounts: one Express account per host, its flags as Stripe last answered them
-- (src/payments/host-accounts.ts keeps them, from the account object, never from an event's order).
-- requirements: what Stripe still wants before the account is ready (its requirements.currently_due).

create table host_payment_accounts (
  user_id uuid primary key references users (id) on delete cascade,
  stripe_account_id text not null unique,
  charges_enabled boolean not null default false,
  payouts_enabled boolean not null default false,
  details_submitted boolean not null default false,
  requirements text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table stripe_events (
  event_id text primary key,
  type text not null,
  received_at timestamptz not null default now()
);
create index stripe_events_received_at_idx on stripe_events (received_at);

create table payouts (
  id uuid primary key,
  host_id uuid not null references users (id),
  stripe_account_id text not null,
  stripe_payout_id text unique,
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in ('pending', 'paid', 'in_transit', 'canceled', 'failed')),
  failure_message text,
  arrival_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index payouts_host_created_idx on payouts (host_id, created_at desc, id desc);
create index payouts_created_idx on payouts (created_at desc, id desc);

-- Down Migration
drop table if exists payouts;
drop table if exists stripe_events;
drop table if exists host_payment_accounts;
