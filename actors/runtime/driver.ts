// The storage contract of the actor runtime (rivetkit-style driver): membership, shard leases with
// fencing epochs, the per-shard durable mailbox, fenced actor-state commits, stored replies and durable
// reminders. The memory driver (unit tests) and the Redis driver (real) both pass one conformance suite.
import type { CommandEnvelope, StoredReply } from "./envelope.ts";

/** Proof of a shard lease: every worker-side write carries it and is refused when it is stale. */
export interface Fence {
  shard: number;
  owner: string;
  epoch: number;
}

export type LeaseGrant = { granted: true; epoch: number } | { granted: false; epoch: number };

/** One mailbox entry handed to a worker; `raw` is undefined when the entry was deleted meanwhile. */
export interface Delivery {
  shard: number;
  entryId: string;
  raw: string | undefined;
}

export type ReminderOp =
  | { op: "set"; actorType: string; actorId: string; name: string; dueAt: number }
  | { op: "cancel"; actorType: string; actorId: string; name: string };

export interface Reminder {
  actorType: string;
  actorId: string;
  name: string;
  dueAt: number;
}

/** What one decided command writes beside the actor's state. */
export interface CommandOutcome {
  /** Mailbox entry to acknowledge. */
  entryId?: string;
  /** With storeReplyMs > 0: the reply is stored under this id and replayed for a repeat of the command. */
  commandId?: string;
  reply?: string;
  storeReplyMs?: number;
  /** The request's fingerprint, stored with the reply: a resend with another one is not replayed. */
  fingerprint?: string;
  /** Caller whose reply channel gets `reply`. */
  replyTo?: string;
}

/**
 * A write of an actor's state, stored as entries (a Redis hash: entry key → JSON text).
 * replace: the state is exactly these entries (the old ones go); patch: these entries are set and
 * those removed, the others stay as they are; delete: the state is gone.
 */
export type StateWrite =
  | { op: "replace"; entries: Readonly<Record<string, string>> }
  | { op: "patch"; set: Readonly<Record<string, string>>; remove: readonly string[] }
  | { op: "delete" };

/** Everything a batch of commands of one actor writes, applied atomically under the fence. */
export interface CommitRequest {
  actorType: string;
  actorId: string;
  /** Absent: state unchanged. */
  state?: StateWrite;
  reminders?: readonly ReminderOp[];
  commands?: readonly CommandOutcome[];
}

/**
 * "duplicate": a command of the batch already had a stored reply (someone decided it first); nothing
 * was written, and replaying comes next. "missing": a patch found no stored state to patch (evicted
 * or lost since the actor was activated); nothing was written: activate the actor again and decide.
 */
export type CommitOutcome = "committed" | "duplicate" | "missing";

/** A command about to run, to check for a stored reply first. */
export interface ReplayCandidate {
  entryId: string;
  commandId: string;
  replyTo?: string;
  fingerprint?: string;
}

/**
 * Per candidate: "replayed" (its stored reply was published again, marked replayed, and the entry
 * acked), "run" (nothing stored: decide it), "mismatch" (a reply is stored for its command id but
 * for another request: nothing done; answer it idempotency_key_reused).
 */
export type ReplayVerdict = "replayed" | "run" | "mismatch";

/** A command set aside after its processing kept failing, as the dead-letter stream keeps it. */
export interface DeadLetter {
  /** Its id in the dead-letter stream. */
  id: string;
  /** The mailbox entry it was (acked when it was set aside). */
  entryId: string;
  /** The command envelope, as it was in the mailbox. */
  raw: string;
  /** The message of the last error. */
  error: string;
  /** Tries that failed. */
  attempts: number;
  /** When it was set aside (ms). */
  failedAt: number;
  /** The worker incarnation that set it aside. */
  consumer: string;
}

/** What setting a command aside writes: the dead letter, and the failure reply for its caller. */
export interface DeadLetterRequest extends Omit<DeadLetter, "id"> {
  /** Published to the caller, not stored: a resend of the command id runs again. */
  reply: string;
  replyTo?: string;
}

export interface ActorDriver {
  readonly kind: "memory" | "redis";

  // Membership: live workers, each heartbeat valid for ttlMs.
  heartbeat(workerId: string, ttlMs: number): Promise<string[]>;
  leave(workerId: string): Promise<void>;

  // Leases. Every grant has a higher epoch than any before it on that shard.
  acquireLease(shard: number, owner: string, ttlMs: number): Promise<LeaseGrant>;
  /** Throws StaleEpochError when the lease expired or moved on. */
  renewLease(fence: Fence, ttlMs: number): Promise<void>;
  /** Gives the lease up; a no-op when it is no longer held. */
  releaseLease(fence: Fence): Promise<void>;
  currentLease(shard: number): Promise<{ owner: string; epoch: number } | null>;

  // Mailbox, caller side.
  append(shard: number, envelope: CommandEnvelope): Promise<string>;
  /** Each message is one encoded reply, or a JSON array of them (a batch's replies for this caller). */
  subscribeReplies(callerId: string, onReply: (raw: string) => void): Promise<{ close(): Promise<void> }>;
  storedReply(shard: number, commandId: string): Promise<StoredReply | null>;

  // Mailbox, worker side.
  ensureMailbox(shard: number): Promise<void>;
  /** New entries of the given shards for this consumer; waits up to blockMs when there are none. */
  read(
    consumer: string,
    shards: readonly number[],
    options: { count: number; blockMs: number },
  ): Promise<Delivery[]>;
  /** Takes over every entry pending (delivered, unacked) for at least minIdleMs, from any consumer. */
  claimPending(
    fence: Fence,
    consumer: string,
    options: { minIdleMs: number; count: number },
  ): Promise<Delivery[]>;
  replayDone(fence: Fence, candidates: readonly ReplayCandidate[]): Promise<ReplayVerdict[]>;
  commit(fence: Fence, request: CommitRequest): Promise<CommitOutcome>;
  /**
   * Several actors' commits on one shard in one atomic, fenced step, applied in order as if each
   * were its own `commit`: a part holding a command decided before (by an earlier part too) writes
   * nothing and is answered "duplicate", a part patching a state not stored writes nothing and is
   * answered "missing", the others are committed. A stale fence writes nothing at
   * all (StaleEpochError). Entries are acked together, replies sent one message per caller.
   */
  commitGroup(fence: Fence, requests: readonly CommitRequest[]): Promise<CommitOutcome[]>;
  /**
   * Sets a command aside in one fenced step: appends it to the shard's dead-letter stream (capped at
   * about DEAD_LETTER_MAX_LENGTH), acks its mailbox entry and publishes the failure reply to its
   * caller without storing it. Throws StaleEpochError, writing nothing, when the fence is stale.
   */
  deadLetter(fence: Fence, letter: DeadLetterRequest): Promise<void>;
  /** The shard's most recent dead letters, newest first, at most `count`. */
  deadLetters(shard: number, count: number): Promise<DeadLetter[]>;
  /** Trims acknowledged entries and forgets idle consumers with nothing pending. */
  tidyMailbox(fence: Fence, consumer: string, consumerIdleMs: number): Promise<number>;
  pendingCount(shard: number): Promise<number>;

  // Actor state.
  /** The actor's state entries (entry key → JSON text), null when none is stored. */
  loadState(shard: number, actorType: string, actorId: string): Promise<Record<string, string> | null>;

  // Reminders.
  /** Moves due reminders into the mailbox as reminder commands; returns how many. */
  deliverDueReminders(fence: Fence, now: number, limit: number): Promise<number>;
  reminders(shard: number): Promise<Reminder[]>;

  close(): Promise<void>;
}
