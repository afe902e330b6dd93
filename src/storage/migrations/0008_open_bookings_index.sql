-- Up Migration
-- The open bookings (the four statuses that hold a slot and still have a reminder to come), by start:
-- the reconciliation pass reads them every minute, and they are a small part of a ledger that keeps
-- every booking ever made.

create index bookings_open_idx on bookings (lower(during))
  where status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active');

-- Down Migration
drop index if exists bookings_open_idx;
