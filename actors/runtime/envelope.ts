// What travels through the mailbox and back: the command envelope a caller appends to a shard's
// stream, and the reply a worker publishes and stores per command id. Both cross process boundaries,
// so both are parsed with strict schemas on arrival; a malformed one is logged and dropped, never thrown.
import { z } from "zod";

export const commandEnvelopeSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("command"),
    commandId: z.string().min(1).max(200),
    actorType: z.string().min(1).max(100),
    actorId: z.string().min(1).max(200),
    /** Caller id whose reply channel gets the answer; absent: nobody waits. */
    replyTo: z.string().min(1).max(200).optional(),
    /**
     * What the request was (a hash of it), for a command id that comes from a caller's idempotency
     * key: a resend with another fingerprint is refused (idempotency_key_reused), never replayed.
     */
    fingerprint: z.string().min(1).max(128).optional(),
    body: z.unknown(),
    sentAt: z.number().int(),
  }),
  z.strictObject({
    kind: z.literal("reminder"),
    commandId: z.string().min(1),
    actorType: z.string().min(1).max(100),
    actorId: z.string().min(1).max(200),
    name: z.string().min(1).max(200),
    dueAt: z.number().int(),
  }),
]);
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;

export const replyErrorSchema = z.strictObject({
  code: z.string().min(1),
  status: z.number().int(),
  message: z.string(),
  details: z.unknown().optional(),
});

/** `replayed`: the answer given before to the same command, not a new decision. */
const replayed = z.literal(true).optional();

/** The fingerprint of the request answered: a caller waits only for answers to its own request. */
const fingerprint = z.string().min(1).max(128).optional();

export const replySchema = z.discriminatedUnion("ok", [
  z.strictObject({
    replayed,
    commandId: z.string().min(1),
    fingerprint,
    ok: z.literal(true),
    value: z.unknown(),
  }),
  z.strictObject({
    replayed,
    commandId: z.string().min(1),
    fingerprint,
    ok: z.literal(false),
    error: replyErrorSchema,
  }),
]);
export type Reply = z.infer<typeof replySchema>;

/** The error code a command gets whose id was used before for another request (errors.keyReused). */
export const KEY_REUSED = "idempotency_key_reused";

/**
 * A reply as stored per command id: the request's fingerprint ('' for none), a newline, the reply
 * (JSON has no raw newline). The scripts split it the same way (replay_done.lua).
 */
export function encodeStoredReply(fingerprint: string | undefined, reply: string): string {
  return `${fingerprint ?? ""}\n${reply}`;
}

export interface StoredReply {
  /** The fingerprint of the request that was decided; null when it had none. */
  fingerprint: string | null;
  reply: string;
}

export function decodeStoredReply(raw: string): StoredReply {
  const cut = raw.indexOf("\n");
  if (cut < 0) return { fingerprint: null, reply: raw };
  const fingerprint = raw.slice(0, cut);
  return { fingerprint: fingerprint === "" ? null : fingerprint, reply: raw.slice(cut + 1) };
}

/** A stored reply sent again: marked replayed, the rest byte for byte (the scripts do the same). */
export function markReplayed(reply: string): string {
  return `{"replayed":true,${reply.slice(1)}`;
}

/**
 * Whether a resend may be answered with a reply stored for its command id: yes when either side
 * carries no fingerprint (a command id not taken from a caller's key), or both are the same.
 */
export function sameRequest(stored: string | null, sent: string | undefined): boolean {
  return stored === null || sent === undefined || stored === sent;
}

export function encodeEnvelope(envelope: CommandEnvelope): string {
  return JSON.stringify(envelope);
}

/** The envelope in a stream entry's payload, or undefined when it is not one. */
export function decodeEnvelope(raw: string | undefined): CommandEnvelope | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = commandEnvelopeSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function decodeReply(raw: string): Reply | undefined {
  try {
    const parsed = replySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The replies in one message on a caller's channel: a batch's commit sends a JSON array of the
 * replies bound for that caller, a replay one reply alone. Malformed items are left out, and
 * counted, so the caller can log them.
 */
export function decodeReplies(raw: string): { replies: Reply[]; malformed: number } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { replies: [], malformed: 1 };
  }
  const items = Array.isArray(value) ? value : [value];
  const replies: Reply[] = [];
  let malformed = 0;
  for (const item of items) {
    const parsed = replySchema.safeParse(item);
    if (parsed.success) replies.push(parsed.data);
    else malformed += 1;
  }
  return { replies, malformed };
}
