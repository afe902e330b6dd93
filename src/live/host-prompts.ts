// Host approval prompts: what the booking side calls to put a request-to-book in front of its host
// (and to take it away once decided or expired). Pending prompts stay in Redis until resolved, so a
// host that reconnects gets them again; a shard channel per host carries them to every gateway.
import { z } from "zod";
import type { Redis } from "../storage/redis.ts";

const isoInstant = z.iso.datetime({ offset: true });

export const approvalRequestSchema = z.strictObject({
  bookingId: z.uuid(),
  spaceId: z.uuid(),
  driver: z.strictObject({ id: z.uuid(), name: z.string().min(1).max(200) }),
  start: isoInstant,
  end: isoInstant,
  totalAmount: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  expiresAt: isoInstant,
});
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

export const resolvedStatusSchema = z.enum(["confirmed", "rejected", "expired", "cancelled"]);
export type ResolvedStatus = z.infer<typeof resolvedStatusSchema>;

export function hostPromptKeys(hostId: string) {
  const tag = `{host:${hostId}}`;
  return { pending: `${tag}:prompts`, channel: `${tag}:prompts:changes` };
}

/** The host id of a prompt channel, or undefined when it is not one. */
export function hostOfPromptChannel(channel: string): string | undefined {
  return /^\{host:([0-9a-f-]{36})\}:prompts:changes$/.exec(channel)?.[1];
}

export function encodeApprovalRequest(prompt: ApprovalRequest): string {
  return JSON.stringify({ type: "approval_request", ...approvalRequestSchema.parse(prompt) });
}

/** Puts a request-to-book in front of its host now and on every reconnect until it is resolved. */
export async function notifyApprovalRequest(redis: Redis, hostId: string, prompt: ApprovalRequest) {
  const keys = hostPromptKeys(hostId);
  const message = encodeApprovalRequest(prompt);
  await redis.multi().hset(keys.pending, prompt.bookingId, message).spublish(keys.channel, message).exec();
}

/** Takes a prompt away (approved, rejected, expired or cancelled) and tells the host's sockets. */
export async function resolveApprovalRequest(
  redis: Redis,
  hostId: string,
  bookingId: string,
  status: ResolvedStatus,
) {
  const keys = hostPromptKeys(hostId);
  const message = JSON.stringify({ type: "approval_resolved", bookingId, status });
  await redis.multi().hdel(keys.pending, bookingId).spublish(keys.channel, message).exec();
}

/** The host's unresolved prompts (wire-ready messages) whose deadline has not passed, oldest deadline first. */
export async function pendingApprovalRequests(
  redis: Redis,
  hostId: string,
  now = new Date(),
): Promise<string[]> {
  const key = hostPromptKeys(hostId).pending;
  const prompts = Object.entries(await redis.hgetall(key)).map(([bookingId, message]) => ({
    bookingId,
    message,
    expiresAt: Date.parse(JSON.parse(message).expiresAt as string),
  }));
  // A prompt whose deadline passed without a resolution being reported is dropped here.
  const expired = prompts.filter((p) => !(p.expiresAt > now.getTime())).map((p) => p.bookingId);
  if (expired.length > 0) await redis.hdel(key, ...expired);
  return prompts
    .filter((p) => p.expiresAt > now.getTime())
    .sort((a, b) => a.expiresAt - b.expiresAt)
    .map((p) => p.message);
}
