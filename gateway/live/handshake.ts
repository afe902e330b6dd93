// The checks made before a WebSocket upgrade (both transports): the Origin allow-list and, when a
// token is given, an access token that is valid and whose session still stands. Anonymous map
// viewing is allowed; a bad or ended token is refused.
import type { IncomingMessage } from "node:http";
import type { AccessClaims } from "../../src/auth/access-tokens.ts";
import type { LiveIdentity } from "./identity.ts";
import type { LiveService } from "./live-service.ts";

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
  identity: LiveIdentity,
): Promise<HandshakeResult> {
  if (!originAllowed(req.headers.origin, allowedOrigins)) {
    return { ok: false, status: 403, code: "forbidden_origin", message: "origin not allowed" };
  }
  const token = tokenOf(req);
  if (token === undefined) return { ok: true };
  const checked = await identity.check(token);
  if (checked.ok) return { ok: true, user: checked.user };
  return { ok: false, status: 401, code: "unauthenticated", message: checked.message };
}

/** A refused upgrade at debug level, for whoever wonders why a client cannot connect (tokens redacted). */
export function logRefusal(
  service: Pick<LiveService, "logger">,
  transport: "ws" | "socket.io",
  req: IncomingMessage,
  code: string,
) {
  service.logger.debug(
    { transport, code, url: req.url, origin: req.headers.origin },
    "live: upgrade refused",
  );
}
