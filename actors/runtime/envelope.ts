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

export const replySchema = z.discriminatedUnion("ok", [
  z.strictObject({ commandId: z.string().min(1), ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ commandId: z.string().min(1), ok: z.literal(false), error: replyErrorSchema }),
]);
export type Reply = z.infer<typeof replySchema>;

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
