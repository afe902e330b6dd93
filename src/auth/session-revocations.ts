// Ended sessions, told to every gateway: logging out ends one login session, a password reset or a
// role taken away ends all of a user's. One Redis shard channel carries these rare notices to the
// live gateways, which drop the identity of the sockets they concern; the standing of a token (its
// session not revoked, its user active, its roles cut to those held now) is read from the ledger.
import { z } from "zod";
import type { Logger } from "../logger.ts";
import { isFamilyRevoked } from "../storage/auth-tokens-repository.ts";
import type { Queryable } from "../storage/postgres.ts";
import type { Redis } from "../storage/redis.ts";
import { findUserById } from "../storage/users-repository.ts";
import type { AccessClaims } from "./access-tokens.ts";

/** Why a session's identity ended; also what a live socket is told (`session_ended.reason`). */
export const sessionEndReasonSchema = z.enum([
  "token_expired",
  "logout",
  "session_revoked",
  "password_reset",
  "roles_changed",
]);
export type SessionEndReason = z.infer<typeof sessionEndReasonSchema>;

/** A notice on the channel: without `sessionId` it concerns every session of the user. */
export const revocationNoticeSchema = z.strictObject({
  userId: z.uuid(),
  sessionId: z.uuid().optional(),
  reason: sessionEndReasonSchema.exclude(["token_expired"]),
});
export type RevocationNotice = z.infer<typeof revocationNoticeSchema>;

export const REVOCATION_CHANNEL = "{auth}:session-revocations";

/** Tells every gateway (SPUBLISH) that sessions ended. */
export class SessionRevocations {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  /**
   * Called after the ledger holds the change, so it never throws: a notice Redis did not take is
   * logged, and the sockets it concerns lose their identity when their token expires, or when their
   * gateway re-reads every socket's standing after its subscription reconnects.
   */
  async publish(notice: RevocationNotice): Promise<void> {
    try {
      await this.redis.spublish(REVOCATION_CHANNEL, JSON.stringify(revocationNoticeSchema.parse(notice)));
    } catch (error) {
      this.logger.warn({ err: error, reason: notice.reason }, "could not announce an ended session");
    }
  }
}

/** The notice in a channel message, or undefined when it is not one (untrusted input). */
export function parseRevocation(text: string): RevocationNotice | undefined {
  try {
    const parsed = revocationNoticeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a notice ends the identity a socket holds with `claims`. */
export function revocationConcerns(notice: RevocationNotice, claims: AccessClaims): boolean {
  return (
    notice.userId === claims.userId &&
    (notice.sessionId === undefined || notice.sessionId === claims.sessionId)
  );
}

export type Standing =
  | { ok: true; claims: AccessClaims }
  | { ok: false; reason: "session_revoked" | "inactive" };

/**
 * The token's standing now: refused when its session was logged out or revoked (a password reset
 * revokes them all) or the account is not active; otherwise its roles cut to those the user still holds.
 */
export async function sessionStanding(db: Queryable, claims: AccessClaims): Promise<Standing> {
  const [revoked, user] = await Promise.all([
    isFamilyRevoked(db, claims.sessionId),
    findUserById(db, claims.userId),
  ]);
  if (revoked) return { ok: false, reason: "session_revoked" };
  if (user?.status !== "active") return { ok: false, reason: "inactive" };
  const held = new Set(user.roles);
  return { ok: true, claims: { ...claims, roles: claims.roles.filter((r) => held.has(r)) } };
}
