-- Up Migration
-- What the reconciliation pass reads every minute, each in bounded batches:
-- the open bookings (the four statuses that hold a slot and still have a reminder to come), a small
-- part of a ledger that keeps every booking ever made;
-- the map cells that hold a listing of any status (a deactivated or deleted one may still stand on
-- a live cell), in text order from where the last pass stopped ("C" collation, as for search).

create index bookings_open_idx on bookings (lower(during))
  where status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active');

create index parking_spaces_h3_cell_all_idx on parking_spaces (h3_cell collate "C");

-- Down Migration
drop index if exists parking_spaces_h3_cell_all_idx;
drop index if exists bookings_open_idx;
