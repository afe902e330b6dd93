-- Up Migration
-- Idempotency-Key claims become leases of seconds, held by one gateway and renewed while its request
-- runs: a claim whose gateway died stops blocking its key once lease_until passes, and the next
-- request with the key takes it over. lease_id fences the holder: renewing, answering and releasing
-- touch the row only while it still holds the lease it claimed.
alter table idempotency_keys
  add column lease_id uuid,
  add column lease_until timestamptz;

-- Claims in flight now were made without a lease: they get the default lease (30 s) from now, time
-- for a live one to answer; a dead one stops blocking then.
update idempotency_keys set lease_until = now() + interval '30 seconds' where state = 'in_flight';
alter table idempotency_keys
  add constraint idempotency_keys_lease_check check (state <> 'in_flight' or lease_until is not null);

-- Down Migration
alter table idempotency_keys drop constraint if exists idempotency_keys_lease_check;
alter table idempotency_keys
  drop column if exists lease_until,
  drop column if exists lease_id;
