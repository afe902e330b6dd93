// One-click unsubscribe links (RFC 8058) for non-essential notification emails: a token naming the
// user and the kind, signed with a key derived from JWT_SECRET, that turns that kind's email off
// without logging in. It grants nothing else, so it does not expire.
import { createHmac, timingSafeEqual } from "node:crypto";
import { type NotificationKind, notificationKindSchema } from "./notification-kinds.ts";

const label = "parkealo notification unsubscribe v1";

const signature = (secret: string, payload: string) =>
  createHmac("sha256", createHmac("sha256", secret).update(label).digest()).update(payload).digest();

export function unsubscribeToken(secret: string, userId: string, kind: NotificationKind): string {
  const payload = `${userId}.${kind}`;
  return `${Buffer.from(payload).toString("base64url")}.${signature(secret, payload).toString("base64url")}`;
}

/** The user and kind a token names, or null when it is not one this service signed. */
export function readUnsubscribeToken(
  secret: string,
  token: string,
): { userId: string; kind: NotificationKind } | null {
  const [encoded, signed, ...rest] = token.split(".");
  if (!encoded || !signed || rest.length > 0) return null;
  const payload = Buffer.from(encoded, "base64url").toString("utf8");
  const expected = signature(secret, payload);
  const given = Buffer.from(signed, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const [userId, kind] = payload.split(".");
  const parsedKind = notificationKindSchema.safeParse(kind);
  if (!userId || !/^[0-9a-f-]{36}$/.test(userId) || !parsedKind.success) return null;
  return { userId, kind: parsedKind.data };
}

/** The link a List-Unsubscribe header carries. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return new URL(
    `/api/v1/notifications/unsubscribe?token=${encodeURIComponent(token)}`,
    publicUrl,
  ).toString();
}
