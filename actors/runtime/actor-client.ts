// The caller's side of the mailbox (used by the gateway): append a command to the actor's shard
// stream and await its reply with a timeout.
//
// Reply path: one pub/sub channel per caller process, subscribed once at start, with a Map of pending
// command ids; a committed batch sends the replies bound for one caller as one message. Replies are small and latency matters (a booking answer), and pub/sub costs no polling
// and no per-request connection, unlike a blocking list per command. Pub/sub is not durable, so the
// reply is also stored per command id by the same script that commits the command (it is what replays
// re-delivered commands): a caller whose reply was lost (reconnect) or late reads the stored reply once
// at its timeout, and a caller that gave up can send the same command id again to get the same answer.
import { randomUUID } from "node:crypto";
import { AppError, type ErrorCode, errors, withoutStack } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import type { ActorAddress, ActorDefinition } from "./actor.ts";
import type { ActorDriver } from "./driver.ts";
import { decodeReplies, decodeReply, type Reply, sameRequest } from "./envelope.ts";

export interface ActorClientOptions {
  driver: ActorDriver;
  logger: Logger;
  /** Id of this caller process; replies come back on its channel. */
  callerId?: string;
  timeoutMs?: number;
  clock?: () => number;
}

export interface SendOptions {
  /** Same id, same effect: pass a stable id (e.g. derived from an Idempotency-Key) to retry safely. */
  commandId?: string;
  /**
   * With a command id taken from a caller's key: a hash of the request. A resend of the id with
   * another fingerprint is refused (422 idempotency_key_reused), and no answer in time is 409
   * idempotency_in_flight (retry with the same key) rather than 503.
   */
  fingerprint?: string;
  timeoutMs?: number;
}

/** A reply value and whether it is an answer given before (a replay), not a new decision. */
export interface Answer<R> {
  value: R;
  replayed: boolean;
}

/** Seconds a caller is told to wait before asking again about a command still being decided. */
const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

interface Waiter {
  resolve: (reply: Reply | "timeout") => void;
  /** The request's fingerprint: an answer to another request under the same id is not ours. */
  fingerprint: string | undefined;
}

export class ActorClient {
  readonly callerId: string;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private subscription: { close(): Promise<void> } | undefined;
  private readonly timeoutMs: number;
  private readonly clock: () => number;

  constructor(private readonly options: ActorClientOptions) {
    this.callerId = options.callerId ?? `caller-${randomUUID()}`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.clock = options.clock ?? Date.now;
  }

  async start(): Promise<void> {
    this.subscription ??= await this.options.driver.subscribeReplies(this.callerId, (raw) =>
      this.onReply(raw),
    );
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  /** Typed send: the command and reply types come from the actor's definition. */
  ask<C, R>(
    definition: Pick<ActorDefinition<never, C, R, never>, "type" | "handle">,
    actorId: string,
    shard: number,
    command: C,
    options?: SendOptions,
  ): Promise<R> {
    return this.send<R>({ actorType: definition.type, actorId, shard }, command, options);
  }

  /**
   * Appends the command and resolves with the actor's reply value. A refusal the actor decided
   * rejects with its AppError (e.g. 409); no answer in time rejects with actor_timeout (503), though
   * the command may still be decided later: resend with the same command id to learn the answer.
   */
  async send<R>(address: ActorAddress, body: unknown, options: SendOptions = {}): Promise<R> {
    return (await this.call<R>(address, body, options)).value;
  }

  /**
   * Appends the command and resolves once it is in the mailbox (durable), not waiting for the
   * actor: for notices whose effect nobody waits on. Rejects with actor_unavailable when it could
   * not be queued. The actor decides it in mailbox order, before any command appended after it.
   */
  async tell(address: ActorAddress, body: unknown, options: { commandId?: string } = {}): Promise<void> {
    if (!this.subscription) throw new Error("ActorClient.start() was not called");
    await this.append(address, options.commandId ?? randomUUID(), body, undefined);
  }

  /** Appends a command to its actor's mailbox; 503 actor_unavailable when it could not be queued. */
  private async append(
    address: ActorAddress,
    commandId: string,
    body: unknown,
    fingerprint: string | undefined,
  ): Promise<void> {
    await this.options.driver
      .append(address.shard, {
        kind: "command",
        commandId,
        actorType: address.actorType,
        actorId: address.actorId,
        replyTo: this.callerId,
        ...(fingerprint === undefined ? {} : { fingerprint }),
        body,
        sentAt: this.clock(),
      })
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, commandId }, "could not append an actor command");
        throw new AppError("actor_unavailable", 503, "the command could not be queued; retry", { commandId });
      });
  }

  /** As send, also telling whether the answer is a replay of one given before. */
  async call<R>(address: ActorAddress, body: unknown, options: SendOptions = {}): Promise<Answer<R>> {
    if (!this.subscription) throw new Error("ActorClient.start() was not called");
    const commandId = options.commandId ?? randomUUID();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    // One promise settles with the reply or, from the timer, "timeout".
    let waiter!: Waiter;
    const answered = new Promise<Reply | "timeout">((resolve) => {
      waiter = { resolve, fingerprint: options.fingerprint };
    });
    const set = this.waiters.get(commandId);
    if (set === undefined) this.waiters.set(commandId, new Set([waiter]));
    else set.add(waiter);
    const timer = setTimeout(waiter.resolve, timeoutMs, "timeout");
    try {
      await this.append(address, commandId, body, options.fingerprint);
      let reply = await answered;
      if (reply === "timeout") reply = await this.late(address, commandId, timeoutMs, options.fingerprint);
      return { value: unwrap<R>(reply), replayed: reply.replayed === true };
    } finally {
      clearTimeout(timer);
      const waiting = this.waiters.get(commandId);
      if (waiting) {
        waiting.delete(waiter);
        if (waiting.size === 0) this.waiters.delete(commandId);
      }
    }
  }

  /** No reply came in time: the stored one, if the command was decided meanwhile; else a refusal. */
  private async late(
    address: ActorAddress,
    commandId: string,
    timeoutMs: number,
    fingerprint: string | undefined,
  ): Promise<Reply> {
    const stored = await this.options.driver.storedReply(address.shard, commandId);
    if (stored !== null && !sameRequest(stored.fingerprint, fingerprint)) {
      throw errors.keyReused();
    }
    const decoded = stored === null ? undefined : decodeReply(stored.reply);
    if (decoded) return { ...decoded, replayed: true };
    if (fingerprint !== undefined) {
      throw new AppError(
        "idempotency_in_flight",
        409,
        "a request with this Idempotency-Key is still being decided; send it again shortly",
        { retryAfterSeconds: IN_FLIGHT_RETRY_AFTER_SECONDS },
      );
    }
    throw new AppError("actor_timeout", 503, `no answer from ${address.actorType} within ${timeoutMs} ms`, {
      commandId,
    });
  }

  /** One message on our channel: a reply, or a batch's replies bound for us. */
  private onReply(raw: string): void {
    const { replies, malformed } = decodeReplies(raw);
    if (malformed > 0) this.options.logger.warn({ malformed }, "dropping malformed actor replies");
    for (const reply of replies) {
      for (const waiter of this.waiters.get(reply.commandId) ?? []) {
        if (sameRequest(reply.fingerprint ?? null, waiter.fingerprint)) waiter.resolve(reply);
      }
    }
  }
}

function unwrap<R>(reply: Reply): R {
  if (reply.ok) return reply.value as R;
  const { code, status, message, details } = reply.error;
  // The actor's answer, decided in another process: a local stack trace would say nothing.
  throw withoutStack(() => new AppError(code as ErrorCode, status as AppError["status"], message, details));
}
