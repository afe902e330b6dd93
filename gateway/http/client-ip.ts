// The caller's address, one rule for every caller (rate limits, idempotency scopes, the live gateway):
// the socket's peer, or, behind TRUST_PROXY trusted proxies, the X-Forwarded-For entry that many hops
// from the right. Each proxy appends the address it was reached from, so the right-most entries are
// the trusted ones; anything to their left was written by the client and is never used.
import type { IncomingMessage } from "node:http";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The client address from an X-Forwarded-For value and the socket peer, `trustedHops` proxies in
 * front: 0 → the peer; n → the n-th entry from the right (the left-most when the list is shorter).
 */
export function clientAddress(
  forwardedFor: string | undefined,
  peer: string | undefined,
  trustedHops: number,
): string {
  if (trustedHops > 0 && forwardedFor !== undefined) {
    const entries = forwardedFor
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (entries.length > 0) return entries[Math.max(0, entries.length - trustedHops)]!;
  }
  return peer ?? "unknown";
}

/** The caller's address of a Hono request. */
export function clientIp(c: Context, trustedHops: number): string {
  let peer: string | undefined;
  try {
    peer = getConnInfo(c).remote.address;
  } catch {
    peer = undefined; // no socket (in-process requests)
  }
  return clientAddress(c.req.header("x-forwarded-for"), peer, trustedHops);
}

/** The caller's address of a raw Node request (the live gateway's WebSocket upgrade). */
export function clientIpOfRequest(request: IncomingMessage, trustedHops: number): string {
  const header = request.headers["x-forwarded-for"];
  const forwardedFor = Array.isArray(header) ? header.join(",") : header;
  return clientAddress(forwardedFor, request.socket.remoteAddress, trustedHops);
}
