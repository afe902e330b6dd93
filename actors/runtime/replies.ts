// How a worker words a command's answer: the reply JSON it commits, stores and publishes (a value or
// an error), and whom it is for (the caller's channel, the command id and the request's fingerprint).
import type { AppError } from "../../src/errors.ts";
import type { CommandEnvelope, Reply } from "./envelope.ts";

/** The caller whose reply channel gets the answer; none for a reminder or a command nobody waits on. */
export function replyTarget(envelope: CommandEnvelope): { replyTo?: string } {
  return envelope.kind === "command" && envelope.replyTo ? { replyTo: envelope.replyTo } : {};
}

export function fingerprintOf(envelope: CommandEnvelope): { fingerprint?: string } {
  return envelope.kind === "command" && envelope.fingerprint ? { fingerprint: envelope.fingerprint } : {};
}

/** Who a reply is for: the command id, and the fingerprint of the request when it had one. */
function answering(envelope: CommandEnvelope): { commandId: string; fingerprint?: string } {
  return { commandId: envelope.commandId, ...fingerprintOf(envelope) };
}

export function success(envelope: CommandEnvelope, value: unknown, replayed: boolean): string {
  const reply: Reply = { ...(replayed ? { replayed } : {}), ...answering(envelope), ok: true, value };
  return JSON.stringify(reply);
}

export function failure(envelope: CommandEnvelope, error: AppError): string {
  const body = error.toBody().error;
  return JSON.stringify({
    ...answering(envelope),
    ok: false,
    error: {
      code: body.code,
      status: error.status,
      message: body.message,
      ...(body.details === undefined ? {} : { details: body.details }),
    },
  } satisfies Reply);
}
