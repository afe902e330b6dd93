// Idempotency-Key records in PostgreSQL: claim a key before the work, store the answer after it.
import type { Queryable } from "./postgres.ts";

export type Claim =
  | { outcome: "claimed" }
  | { outcome: "in_flight"; requestHash: string }
  | { outcome: "done"; requestHash: string; status: number; body: string; contentType: string | null };

export async function claimKey(
  db: Queryable,
  scope: string,
  key: string,
  requestHash: string,
  ttlHours: number,
): Promise<Claim> {
  // An expired record no longer binds the key.
  await db.query(`delete from idempotency_keys where scope = $1 and key = $2 and expires_at <= now()`, [
    scope,
    key,
  ]);
  const inserted = await db.query(
    `insert into idempotency_keys (scope, key, request_hash, state, expires_at)
     values ($1, $2, $3, 'in_flight', now() + make_interval(hours => $4))
     on conflict (scope, key) do nothing`,
    [scope, key, requestHash, ttlHours],
  );
  if (inserted.rowCount === 1) return { outcome: "claimed" };
  const { rows } = await db.query<{
    requestHash: string;
    state: "in_flight" | "done";
    status: number;
    body: string;
    contentType: string | null;
  }>(
    `select request_hash as "requestHash", state, response_status as status, response_body as body,
            response_content_type as "contentType"
       from idempotency_keys where scope = $1 and key = $2`,
    [scope, key],
  );
  const row = rows[0];
  // Deleted between our insert and select (the first call failed and released it): claim again.
  if (!row) return claimKey(db, scope, key, requestHash, ttlHours);
  if (row.state === "in_flight") return { outcome: "in_flight", requestHash: row.requestHash };
  return {
    outcome: "done",
    requestHash: row.requestHash,
    status: row.status,
    body: row.body,
    contentType: row.contentType,
  };
}

export async function completeKey(
  db: Queryable,
  scope: string,
  key: string,
  response: { status: number; body: string; contentType: string | null },
): Promise<void> {
  await db.query(
    `update idempotency_keys set state = 'done', response_status = $3, response_body = $4, response_content_type = $5
      where scope = $1 and key = $2`,
    [scope, key, response.status, response.body, response.contentType],
  );
}

/** Forget a claim whose request produced nothing worth replaying, so a retry runs again. */
export async function releaseKey(db: Queryable, scope: string, key: string): Promise<void> {
  await db.query(`delete from idempotency_keys where scope = $1 and key = $2 and state = 'in_flight'`, [
    scope,
    key,
  ]);
}

export async function deleteExpiredKeys(db: Queryable): Promise<number> {
  const result = await db.query(`delete from idempotency_keys where expires_at <= now()`);
  return result.rowCount ?? 0;
}
