// The checks made before a WebSocket upgrade (both transports): the Origin allow-list and, when a
// token is given, a valid access token. Anonymous map viewing is allowed; a bad token is refused.
import type { IncomingMessage } from "node:http";
import type { AccessClaims, AccessTokens } from "../../src/auth/access-tokens.ts";

export type HandshakeResult =
  | { ok: true; user?: AccessClaims }
  | { ok: false; status: 401 | 403; code: string; message: string };

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true; // not a browser: Origin is only a browser's promise
  return allowed.includes("*") || allowed.includes(origin);
}

/** Token from `Authorization: Bearer …` or, for browsers that cannot set headers, `?access_token=`. */
export function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const query = new URL(req.url ?? "/", "http://gateway").searchParams.get("access_token");
  return query ?? undefined;
}

export async function checkHandshake(
  req: IncomingMessage,
  allowedOrigins: readonly string[],
  tokens: AccessTokens,
): Promise<HandshakeResult> {
  if (!originAllowed(req.headers.origin, allowedOrigins)) {
    return { ok: false, status: 403, code: "forbidden_origin", message: "origin not allowed" };
  }
  const token = tokenOf(req);
  if (token === undefined) return { ok: true };
  try {
    return { ok: true, user: await tokens.verify(token) };
  } catch {
    return { ok: false, status: 401, code: "unauthenticated", message: "invalid or expired access token" };
  }
}
