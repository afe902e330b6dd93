-- Up Migration
-- Idempotency-Key claims become leases of seconds, held by one gateway and renewed while its request
-- runs: a claim whose gateway died stops blocking its key once lease_until passes, and the next
-- request with the key takes it over. lease_id fences the holder: renewing, answering and releasing
-- touch the row only while it still holds the lease it claimed. Kept answers are sealed (AES-256-GCM
-- under a key the row does not hold, gateway/http/sealed-answers.ts); response_sealed tells them from
-- the plaintext answers kept before this migration.
alter table idempotency_keys
  add column lease_id uuid,
  add column lease_until timestamptz,
  add column response_sealed boolean not null default false;

-- Claims in flight now were made without a lease: they get the default lease (30 s) from now, time
-- for a live one to answer; a dead one stops blocking then.
update idempotency_keys set lease_until = now() + interval '30 seconds' where state = 'in_flight';
alter table idempotency_keys
  add constraint idempotency_keys_lease_check check (state <> 'in_flight' or lease_until is not null);

-- Plaintext answers that carry access or refresh tokens are forgotten rather than kept readable.
delete from idempotency_keys
 where state = 'done' and (response_body like '%"accessToken"%' or response_body like '%"refreshToken"%');

-- Down Migration
alter table idempotency_keys drop constraint if exists idempotency_keys_lease_check;
-- The code before this migration would replay a sealed answer as it is stored.
delete from idempotency_keys where response_sealed;
alter table idempotency_keys
  drop column if exists response_sealed,
  drop column if exists lease_until,
  drop column if exists lease_id;
