// How an actor is written: a definition (type name, state and command schemas, a rebuild hook, a
// command handler, an optional reminder handler) that the host runs one command at a time per actor.
import type { z } from "zod";
import type { AppError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";

/** What a handler sees while it decides one command (or one reminder firing). */
export interface ActorContext<S, W = never> {
  readonly actorType: string;
  readonly actorId: string;
  readonly shard: number;
  /** Fencing epoch of the lease this command runs under; store it beside external writes if useful. */
  readonly epoch: number;
  /**
   * Id of the command being handled. After a crash between a side effect outside Redis and the
   * commit, the same command runs again under a new owner: make such side effects idempotent by it
   * (e.g. a unique column in PostgreSQL). The state commit and the reply happen exactly once.
   */
  readonly commandId: string;
  /**
   * The fingerprint the caller sent with a command id taken from its idempotency key (undefined for
   * others): a handler that finds the command id decided before, outside the runtime's stored
   * replies (in its own ledger), answers with that first answer when it matches and throws an
   * AppError `idempotency_key_reused` (422, never stored) when it does not.
   */
  readonly fingerprint: string | undefined;
  /** The reply is an answer given before (found in the handler's ledger), not a new decision. */
  markReplayed(): void;
  /** The state as staged so far in this command. */
  readonly state: S;
  readonly logger: Logger;
  now(): number;
  /**
   * Stages a new state; written (fenced) with the reply when the handler returns. `touched`: the keys
   * of the entries (see StateEntries) this change made or removed, so only they are written; without
   * it the whole state is written again (as always for an actor without an entries codec).
   */
  setState(next: S, touched?: readonly string[]): void;
  /** Stages removal of the state (the entity is gone). */
  deleteState(): void;
  /** Stages a durable reminder (one per name per actor; setting again moves it). */
  setReminder(name: string, dueAt: number): void;
  cancelReminder(name: string): void;
  /**
   * Throws StaleEpochError when this worker's lease on the shard has lapsed locally. Call it right
   * before a side effect outside Redis; the fenced commit still guards everything in Redis.
   */
  assertLeaseHeld(): void;
  /**
   * Stages a durable write (e.g. rows for PostgreSQL) that the definition's flushWrites makes, once for
   * the whole batch, before any reply of the batch is committed or sent.
   */
  stageWrite(write: W): void;
  /** Runs after the commit succeeded (e.g. publish a live event); never when it was refused. */
  afterCommit(effect: () => void | Promise<void>): void;
}

/** What flushWrites sees. */
export interface FlushContext {
  readonly actorType: string;
  readonly actorId: string;
  readonly shard: number;
  readonly epoch: number;
  readonly logger: Logger;
  /** Throws StaleEpochError when the lease has lapsed locally; call it before writing. */
  assertLeaseHeld(): void;
}

/** What the rebuild hook sees: it may set reminders that the rebuilt state needs. */
export type ActivationContext = Pick<
  ActorContext<unknown>,
  "actorType" | "actorId" | "shard" | "epoch" | "logger" | "now" | "setReminder" | "cancelReminder"
>;

/**
 * How an actor's state is stored: as entries, one field of its Redis hash each (the value as JSON
 * text), so that a command writes only the entries it touched, whatever the size of the rest. The
 * keys are the actor's own (a booking id, say); an entry whose `get` is undefined is removed.
 */
export interface StateEntries<S> {
  /** Every entry of the state: what is written when the whole state is. */
  all(state: S): Iterable<readonly [key: string, value: unknown]>;
  /** One entry's value in the state; undefined when the state has no such entry (it is removed). */
  get(state: S, key: string): unknown;
  /**
   * The state from its entries as read back (values JSON-parsed), as `stateSchema` takes it: the
   * schema validates it and makes the state. Throw when they do not make one: the actor is then
   * rebuilt.
   */
  from(entries: ReadonlyMap<string, unknown>): unknown;
}

/**
 * Commands of one actor are decided in batches: the runtime takes the commands queued for the actor
 * (up to a limit), checks them for stored replies, runs `handle` for each in order on the state the
 * previous one left, calls `flushWrites` once with every staged write, then commits state, reminders,
 * stored replies and acks in one fenced script and sends the replies. A batch of one is the common
 * case at low load; under load a hot actor pays one PostgreSQL transaction and one Redis round trip
 * per batch rather than per command.
 */
export interface ActorDefinition<S, C, R, W = never> {
  /** Names the actor kind in addresses and keys, e.g. "space". */
  readonly type: string;
  /** Validates state read back from Redis; a malformed state is rebuilt. */
  readonly stateSchema: z.ZodType<S>;
  /**
   * The state's entries in storage. Without it the whole state is one entry (key ""), written
   * again whenever it changes.
   */
  readonly entries?: StateEntries<S>;
  /** Validates commands from the mailbox; an invalid one is answered with validation_failed. */
  readonly commandSchema: z.ZodType<C>;
  /**
   * State when Redis holds none: a new actor, or one whose state was lost (rebuild it from
   * PostgreSQL here). The result is written to Redis under the fence before the first command runs.
   */
  rebuild(ctx: ActivationContext): Promise<S> | S;
  /**
   * Decides one command. The returned value is the reply. Throw an AppError for a decided refusal
   * (stored and replayed like any reply, state unchanged); any other error answers `actor_failed`,
   * is not stored (a retry with the same command id runs again) and reloads the actor.
   */
  handle(ctx: ActorContext<S, W>, command: C): Promise<R> | R;
  /** A durable reminder came due. A non-AppError failure is retried a few times. */
  onReminder?(ctx: ActorContext<S, W>, name: string): Promise<void> | void;
  /**
   * Makes the batch's staged writes durable (one PostgreSQL transaction, say) before any of its
   * replies is committed or sent. If it throws, nothing of the batch is committed: its commands are
   * decided again one at a time, and then an AppError thrown for a single command becomes that
   * command's reply (a 409 from the exclusion constraint, say). Any other error is a fault: the
   * command is tried again after a growing wait, and set aside in the shard's dead-letter stream
   * (answered actor_failed, not stored) when it keeps failing. It may run again for writes that
   * already landed (a crash after the transaction), so make it idempotent by command id.
   * Throw a DecideAgainError when the store showed the actor's state stale (the actor has marked it
   * so and reloads on its next command): the batch is decided again at once, a few times at most,
   * after which the error's AppError answers as above.
   */
  flushWrites?(writes: W[], ctx: FlushContext): Promise<void>;
}

/**
 * Thrown by flushWrites: nothing was written because the actor's state proved stale; decide the
 * batch again (the actor reloads what it needs). `refusal` answers a command that keeps failing.
 */
export class DecideAgainError extends Error {
  constructor(readonly refusal: AppError) {
    super(refusal.message);
    this.name = "DecideAgainError";
  }
}

// Method syntax above makes the parameters bivariant, so any definition fits the erased registry type.
export type AnyActorDefinition = ActorDefinition<unknown, unknown, unknown, unknown>;

/** Identity helper that infers S, C and R for a definition. */
export function defineActor<S, C, R, W = never>(
  definition: ActorDefinition<S, C, R, W>,
): ActorDefinition<S, C, R, W> {
  return definition;
}

/** Where an actor lives: its kind, id and shard (from its H3 cell, see sharding.ts). */
export interface ActorAddress {
  actorType: string;
  actorId: string;
  shard: number;
}
