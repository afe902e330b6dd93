// Refresh tokens (rotating, grouped in families) and one-time email tokens, stored by hash only.
import type { Queryable } from "./postgres.ts";

export interface RefreshTokenRecord {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export async function insertRefreshToken(
  db: Queryable,
  token: { userId: string; familyId: string; hash: Buffer; expiresAt: Date },
): Promise<void> {
  await db.query(
    `insert into refresh_tokens (user_id, family_id, token_hash, expires_at) values ($1, $2, $3, $4)`,
    [token.userId, token.familyId, token.hash, token.expiresAt],
  );
}

export async function findRefreshToken(db: Queryable, hash: Buffer): Promise<RefreshTokenRecord | undefined> {
  const { rows } = await db.query<RefreshTokenRecord>(
    `select id, user_id as "userId", family_id as "familyId", expires_at as "expiresAt", used_at as "usedAt",
            revoked_at as "revokedAt"
       from refresh_tokens where token_hash = $1`,
    [hash],
  );
  return rows[0];
}

/** Compare-and-set: marks the token used only if nobody used or revoked it first. */
export async function consumeRefreshToken(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query(
    `update refresh_tokens set used_at = now() where id = $1 and used_at is null and revoked_at is null`,
    [id],
  );
  return result.rowCount === 1;
}

export async function revokeFamily(db: Queryable, familyId: string): Promise<void> {
  await db.query(`update refresh_tokens set revoked_at = now() where family_id = $1 and revoked_at is null`, [
    familyId,
  ]);
}

export async function revokeAllForUser(db: Queryable, userId: string): Promise<void> {
  await db.query(`update refresh_tokens set revoked_at = now() where user_id = $1 and revoked_at is null`, [
    userId,
  ]);
}

export type EmailTokenPurpose = "verify_email" | "reset_password";

export async function insertEmailToken(
  db: Queryable,
  token: { userId: string; purpose: EmailTokenPurpose; hash: Buffer; expiresAt: Date },
): Promise<void> {
  await db.query(
    `insert into email_tokens (user_id, purpose, token_hash, expires_at) values ($1, $2, $3, $4)`,
    [token.userId, token.purpose, token.hash, token.expiresAt],
  );
}

/** Marks a valid, unused, unexpired token used and returns its user; undefined when it is none of those. */
export async function consumeEmailToken(
  db: Queryable,
  purpose: EmailTokenPurpose,
  hash: Buffer,
): Promise<{ userId: string } | undefined> {
  const { rows } = await db.query<{ userId: string }>(
    `update email_tokens set used_at = now()
      where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
      returning user_id as "userId"`,
    [hash, purpose],
  );
  return rows[0];
}

/** True when the login session (refresh-token family) was logged out or revoked. */
export async function isFamilyRevoked(db: Queryable, familyId: string): Promise<boolean> {
  const { rows } = await db.query<{ revoked: boolean }>(
    `select exists(select 1 from refresh_tokens where family_id = $1 and revoked_at is not null) as revoked`,
    [familyId],
  );
  return rows[0]?.revoked === true;
}
