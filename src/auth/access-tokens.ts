// Short-lived access tokens: HS256 JWTs carrying the user id, roles and login session id; signed with jose, checked
// on every API request with node's HMAC (synchronous: about ten times cheaper than jose's WebCrypto
// path, which is a real share of a booking request's CPU), and a token checked once is remembered
// until it expires (its time claims are still compared on every use).
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { SignJWT } from "jose";
import { z } from "zod";
import { type Role, roleSchema } from "../domain/roles.ts";
import { AppError } from "../errors.ts";

const ISSUER = "parkealo-live";

/** What a token is signed for: a user, its roles, and the login session (refresh-token family) it belongs to. */
export interface TokenSubject {
  userId: string;
  roles: Role[];
  /** The login session; a token signed outside one (tooling, tests) gets a session of its own. */
  sessionId?: string;
}

export interface AccessClaims {
  userId: string;
  roles: Role[];
  /** The `sid` claim: logging out of this session ends what the token opened (live sockets). */
  sessionId: string;
  /** The `exp` claim, in epoch seconds. */
  expiresAt: number;
}

const claimsSchema = z.object({
  sub: z.uuid(),
  roles: z.array(roleSchema),
  typ: z.literal("access"),
  sid: z.uuid(),
});

const headerSchema = z.looseObject({ alg: z.literal("HS256") }).refine((h) => !("crit" in h));
/** Registered time claims, when present, are NumericDates (seconds); exp is required. */
const timesSchema = z.looseObject({
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  iss: z.literal(ISSUER),
});

/** Tokens remembered as checked; the memory is emptied when it holds this many. */
const CHECKED_MAX = 10_000;

interface Checked {
  claims: Omit<AccessClaims, "expiresAt">;
  exp: number;
  nbf: number | undefined;
}

const invalid = () => new AppError("unauthenticated", 401, "invalid access token");

/** Not before nbf (401 unauthenticated), before exp (401 token_expired); NumericDates in seconds. */
function assertInTime(exp: number, nbf: number | undefined): void {
  const now = Math.floor(Date.now() / 1000);
  if (nbf !== undefined && nbf > now) throw invalid();
  if (exp <= now) throw new AppError("token_expired", 401, "access token expired");
}

function decodeJson(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

export class AccessTokens {
  private readonly key: Uint8Array;
  /**
   * Tokens whose signature and claims were checked, by the whole token (signature included, so a
   * token differing in any byte is checked anew). A signed token never changes; only the clock does.
   */
  private readonly checked = new Map<string, Checked>();
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: TokenSubject): Promise<string> {
    return new SignJWT({ roles: claims.roles, typ: "access", sid: claims.sessionId ?? randomUUID() })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /**
   * Checks a token as jose's jwtVerify would for HS256 (compact form, alg HS256 and no crit header,
   * the signature in constant time, then issuer, expiry and not-before): 401 token_expired once
   * expired, 401 unauthenticated for anything else wrong.
   */
  async verify(token: string): Promise<AccessClaims> {
    const known = this.checked.get(token);
    if (known !== undefined) return this.inTime(known);
    const parts = token.split(".");
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw invalid();
    const [header, payload, signature] = parts as [string, string, string];
    const expected = createHmac("sha256", this.key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    let claims: unknown;
    try {
      if (!headerSchema.safeParse(decodeJson(header)).success) throw invalid();
      claims = decodeJson(payload);
    } catch {
      throw invalid();
    }
    const times = timesSchema.safeParse(claims);
    if (!times.success) throw invalid();
    assertInTime(times.data.exp, times.data.nbf);
    const access = claimsSchema.safeParse(claims);
    if (!access.success) throw invalid();
    if (this.checked.size >= CHECKED_MAX) this.checked.clear();
    const claimsOf = { userId: access.data.sub, roles: access.data.roles, sessionId: access.data.sid };
    this.checked.set(token, { claims: claimsOf, exp: times.data.exp, nbf: times.data.nbf });
    return { ...claimsOf, roles: [...claimsOf.roles], expiresAt: times.data.exp };
  }

  /** The claims of a token checked before, if it is valid now. */
  private inTime(checked: Checked): AccessClaims {
    assertInTime(checked.exp, checked.nbf);
    return { ...checked.claims, roles: [...checked.claims.roles], expiresAt: checked.exp };
  }
}
