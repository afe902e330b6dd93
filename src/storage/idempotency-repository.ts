// Idempotency-Key records in PostgreSQL: claim a key before the work (a lease of seconds that its
// holder renews while the work runs), store the answer after it (sealed by the caller; answers kept
// before sealing are plaintext). A claim whose lease passed, or a record past its time, no longer
// binds the key.
import type { Queryable } from "./postgres.ts";

/** One claim on a key: its holder's lease id fences every later write to the record. */
export interface ClaimRef {
  scope: string;
  key: string;
  leaseId: string;
}

export interface ClaimRequest extends ClaimRef {
  requestHash: string;
  leaseSeconds: number;
  ttlHours: number;
}

export interface KeptAnswer {
  status: number;
  /** Sealed (see `sealed`), or the plain body of an answer kept before answers were sealed. */
  body: string;
  contentType: string | null;
  sealed: boolean;
}

export type Claim =
  | { outcome: "claimed" }
  | { outcome: "in_flight"; requestHash: string; retryAfterSeconds: number }
  /** `leaseId` names the answer for forgetAnswer; null on answers kept before claims had leases. */
  | { outcome: "done"; requestHash: string; leaseId: string | null; answer: KeptAnswer };

/**
 * Claims the key for this request: a new key, one whose record is past its time, or one whose claim
 * for the same request lapsed (its gateway died) is taken; otherwise the record there is returned.
 * A lapsed claim for another request still binds the key to that request.
 */
export async function claimKey(db: Queryable, claim: ClaimRequest): Promise<Claim> {
  const taken = await db.query(
    `insert into idempotency_keys as k (scope, key, request_hash, state, lease_id, lease_until, expires_at)
     values ($1, $2, $3, 'in_flight', $4, now() + make_interval(secs => $5), now() + make_interval(hours => $6))
     on conflict (scope, key) do update
        set request_hash = excluded.request_hash, state = 'in_flight', lease_id = excluded.lease_id,
            lease_until = excluded.lease_until, expires_at = excluded.expires_at, created_at = now(),
            response_status = null, response_body = null, response_content_type = null,
            response_sealed = false
      where k.expires_at <= now()
         or (k.state = 'in_flight' and k.lease_until <= now() and k.request_hash = excluded.request_hash)`,
    [claim.scope, claim.key, claim.requestHash, claim.leaseId, claim.leaseSeconds, claim.ttlHours],
  );
  if (taken.rowCount === 1) return { outcome: "claimed" };
  const { rows } = await db.query<{
    requestHash: string;
    state: "in_flight" | "done";
    leaseId: string | null;
    retryAfterSeconds: number;
    status: number;
    body: string;
    contentType: string | null;
    sealed: boolean;
  }>(
    `select request_hash as "requestHash", state, lease_id as "leaseId",
            greatest(1, floor(extract(epoch from lease_until - now())))::int as "retryAfterSeconds",
            response_status as status, response_body as body, response_content_type as "contentType",
            response_sealed as sealed
       from idempotency_keys where scope = $1 and key = $2`,
    [claim.scope, claim.key],
  );
  const row = rows[0];
  // Deleted between our insert and select (the first call failed and released it): claim again.
  if (!row) return claimKey(db, claim);
  if (row.state === "in_flight") {
    return { outcome: "in_flight", requestHash: row.requestHash, retryAfterSeconds: row.retryAfterSeconds };
  }
  return {
    outcome: "done",
    requestHash: row.requestHash,
    leaseId: row.leaseId,
    answer: { status: row.status, body: row.body, contentType: row.contentType, sealed: row.sealed },
  };
}

/** Extends a claim's lease; false when the claim is no longer this holder's. */
export async function renewClaim(db: Queryable, claim: ClaimRef, leaseSeconds: number): Promise<boolean> {
  const result = await db.query(
    `update idempotency_keys set lease_until = now() + make_interval(secs => $4)
      where scope = $1 and key = $2 and lease_id = $3 and state = 'in_flight'`,
    [claim.scope, claim.key, claim.leaseId, leaseSeconds],
  );
  return result.rowCount === 1;
}

/** Keeps the answer for replays; false when the claim is no longer this holder's (nothing kept). */
export async function completeKey(db: Queryable, claim: ClaimRef, answer: KeptAnswer): Promise<boolean> {
  const result = await db.query(
    `update idempotency_keys
        set state = 'done', response_status = $4, response_body = $5, response_content_type = $6,
            response_sealed = $7
      where scope = $1 and key = $2 and lease_id = $3 and state = 'in_flight'`,
    [claim.scope, claim.key, claim.leaseId, answer.status, answer.body, answer.contentType, answer.sealed],
  );
  return result.rowCount === 1;
}

/** Forget a claim whose request produced nothing worth replaying, so a retry runs again. */
export async function releaseKey(db: Queryable, claim: ClaimRef): Promise<void> {
  await db.query(
    `delete from idempotency_keys where scope = $1 and key = $2 and lease_id = $3 and state = 'in_flight'`,
    [claim.scope, claim.key, claim.leaseId],
  );
}

/** Forget a kept answer that can no longer be replayed, so the key is free as if the answer had expired. */
export async function forgetAnswer(db: Queryable, claim: ClaimRef): Promise<void> {
  await db.query(
    `delete from idempotency_keys where scope = $1 and key = $2 and lease_id = $3 and state = 'done'`,
    [claim.scope, claim.key, claim.leaseId],
  );
}

export async function deleteExpiredKeys(db: Queryable): Promise<number> {
  const result = await db.query(`delete from idempotency_keys where expires_at <= now()`);
  return result.rowCount ?? 0;
}
