// Who a live socket speaks for: an access token checked (signature, expiry), then its standing read
// from the ledger (its login session not ended, the account active, its roles cut to those held
// now). The handshake and the `authenticate` message both go through here, and a gateway whose
// revocation feed was interrupted re-reads the standing of every identified socket.
import type { AccessClaims, AccessTokens } from "../../src/auth/access-tokens.ts";
import { type Standing, sessionStanding } from "../../src/auth/session-revocations.ts";
import type { Queryable } from "../../src/storage/postgres.ts";

export type IdentityCheck = { ok: true; user: AccessClaims } | { ok: false; message: string };

export class LiveIdentity {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly db: Queryable,
  ) {}

  /** A token's identity now; a ledger failure throws (the caller answers "unavailable"). */
  async check(token: string): Promise<IdentityCheck> {
    let claims: AccessClaims;
    try {
      claims = await this.tokens.verify(token);
    } catch {
      return { ok: false, message: "invalid or expired access token" };
    }
    const standing = await this.standing(claims);
    if (standing.ok) return { ok: true, user: standing.claims };
    return {
      ok: false,
      message:
        standing.reason === "session_revoked"
          ? "the access token's session has ended; log in again"
          : "the account is not active",
    };
  }

  standing(claims: AccessClaims): Promise<Standing> {
    return sessionStanding(this.db, claims);
  }
}
