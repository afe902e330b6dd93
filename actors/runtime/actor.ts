// How an actor is written: a definition (type name, state and command schemas, a rebuild hook, a
// command handler, an optional reminder handler) that the host runs one command at a time per actor.
import type { z } from "zod";
import type { Logger } from "../../src/logger.ts";

/** What a handler sees while it decides one command (or one reminder firing). */
export interface ActorContext<S> {
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
  /** The state as staged so far in this command. */
  readonly state: S;
  readonly logger: Logger;
  now(): number;
  /** Stages a new state; written (fenced) with the reply when the handler returns. */
  setState(next: S): void;
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
  /** Runs after the commit succeeded (e.g. publish a live event); never when it was refused. */
  afterCommit(effect: () => void | Promise<void>): void;
}

/** What the rebuild hook sees: it may set reminders that the rebuilt state needs. */
export type ActivationContext = Pick<
  ActorContext<never>,
  "actorType" | "actorId" | "shard" | "epoch" | "logger" | "now" | "setReminder" | "cancelReminder"
>;

export interface ActorDefinition<S, C, R> {
  /** Names the actor kind in addresses and keys, e.g. "space". */
  readonly type: string;
  /** Validates state read back from Redis; a malformed state is rebuilt. */
  readonly stateSchema: z.ZodType<S>;
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
  handle(ctx: ActorContext<S>, command: C): Promise<R> | R;
  /** A durable reminder came due. A non-AppError failure is retried a few times. */
  onReminder?(ctx: ActorContext<S>, name: string): Promise<void> | void;
}

// Method syntax above makes the parameters bivariant, so any definition fits the erased registry type.
export type AnyActorDefinition = ActorDefinition<unknown, unknown, unknown>;

/** Identity helper that infers S, C and R for a definition. */
export function defineActor<S, C, R>(definition: ActorDefinition<S, C, R>): ActorDefinition<S, C, R> {
  return definition;
}

/** Where an actor lives: its kind, id and shard (from its H3 cell, see sharding.ts). */
export interface ActorAddress {
  actorType: string;
  actorId: string;
  shard: number;
}
