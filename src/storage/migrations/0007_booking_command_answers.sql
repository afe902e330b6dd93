-- Up Migration
-- A booking command's record carries what the caller asked (a fingerprint of the request, null for a
-- command id not taken from a caller's Idempotency-Key) and the answer it got (the reply's JSON text,
-- byte for byte), written in the same statement as the decision: a retry under the same key gets
-- that answer, another request under it 422, however long after.

alter table booking_commands add column fingerprint text, add column answer text;

-- Down Migration
alter table booking_commands drop column if exists fingerprint, drop column if exists answer;
