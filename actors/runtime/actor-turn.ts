// One actor's turn on the shard it runs on: its queued commands are drained in batches, and each
// batch goes drain → replay check → decide (the handlers in order) → flush (the actor's durable
// writes) → fenced commit, activating the actor from its stored state (or its rebuild hook) first.
// A batch that fails unexpectedly goes again one command at a time, after a growing wait; a command
// that keeps failing is set aside in the shard's dead-letter stream, so its actor goes on.
import { setTimeout as sleep } from "node:timers/promises";
import { AppError, errors } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { type AnyActorDefinition, DecideAgainError } from "./actor.ts";
import { CommandScope } from "./command-scope.ts";
import type { CommitGroups } from "./commit-groups.ts";
import type { ActorDriver, Delivery, Fence, ReminderOp, ReplayVerdict } from "./driver.ts";
import { type CommandEnvelope, encodeEnvelope, KEY_REUSED, sameRequest } from "./envelope.ts";
import type { HostStats } from "./host-stats.ts";
import { failure, fingerprintOf, replyTarget, success } from "./replies.ts";
import { StaleEpochError } from "./script-codes.ts";
import type { RuntimeSettings } from "./settings.ts";
import { mergeChange, type StateChange, stateFromEntries, stateWrite } from "./state-entries.ts";

/** What an actor's turns use of the worker. */
export interface TurnServices {
  driver: ActorDriver;
  /** The worker's fenced commits, sent together per shard after each turn of the event loop. */
  commits: CommitGroups;
  definitions: ReadonlyMap<string, AnyActorDefinition>;
  settings: RuntimeSettings;
  clock: () => number;
  stats: HostStats;
}

/** The shard lease the turns run under (its ShardRunner). */
export interface TurnShard {
  readonly fence: Fence;
  readonly isStopped: boolean;
  leaseValid(): boolean;
  /** Stops the shard at once: the lease lapsed or a fenced write was refused. */
  stop(reason: string): void;
  /** These commands are finished here (acked and answered): a later claim of their entries may run. */
  done(items: readonly Queued[]): void;
}

export interface Queued {
  delivery: Delivery;
  envelope: CommandEnvelope;
  /** Times its handler ran. */
  attempts: number;
  /**
   * Tries that failed unexpectedly (the batch it was in threw something other than an AppError:
   * flushWrites, activation, Redis), and the last such error. At settings.commandAttempts it is set
   * aside in the dead-letter stream.
   */
  failures: number;
  lastError: unknown;
  /**
   * Taken over from another consumer: look for a stored reply before running it. A new entry skips
   * that round trip; if its command id was decided before (a caller's resend), the commit refuses
   * the batch as a duplicate and it is replayed then.
   */
  claimed: boolean;
}

/** One actor held by the shard: its state in memory and its queue of commands. */
export interface ActorCell {
  actorType: string;
  actorId: string;
  state: unknown;
  loaded: boolean;
  queue: Queued[];
  running: boolean;
  lastUsed: number;
  /** After a failed flush of a batch, its commands go again one at a time. */
  soloRemaining: number;
  /** A rebuilt state (and the reminders its rebuild set) not yet written to the store. */
  unsaved: { reminderOps: ReminderOp[] } | undefined;
}

export function newActorCell(actorType: string, actorId: string, now: number): ActorCell {
  return {
    actorType,
    actorId,
    state: undefined,
    loaded: false,
    queue: [],
    running: false,
    lastUsed: now,
    soloRemaining: 0,
    unsaved: undefined,
  };
}

interface Decided {
  item: Queued;
  reply: string;
  store: boolean;
  writes: number;
}

interface Decision {
  state: unknown;
  /** What the batch changed of the stored state (a rebuilt one not yet saved counts whole). */
  stateChange: StateChange | undefined;
  reminderOps: ReminderOp[];
  effects: Array<() => void | Promise<void>>;
  writes: unknown[];
  decided: Decided[];
  /** A handler failed unexpectedly: reload the actor after this batch. */
  reload: boolean;
}

const REMINDER_ATTEMPTS = 3;
/** Wait before a failing reminder goes again, and before a batch refused in flushWrites goes one by one. */
const RETRY_DELAY_MS = 100;
/** How many times a batch is decided again at once after flushWrites found the actor's state stale. */
const DECIDE_AGAIN_ATTEMPTS = 3;

export class ActorTurns {
  constructor(
    private readonly services: TurnServices,
    private readonly shard: TurnShard,
    private readonly logger: Logger,
  ) {}

  /** Decides the actor's queued commands, a batch at a time, until none is left or the shard stops. */
  async drain(cell: ActorCell): Promise<void> {
    cell.running = true;
    try {
      while (cell.queue.length > 0 && !this.shard.isStopped) {
        const solo = cell.soloRemaining > 0;
        const batch = cell.queue.slice(0, solo ? 1 : this.services.settings.maxBatch);
        const step = await this.processBatch(cell, batch);
        if (step === "stop" || this.shard.isStopped) return;
        if (step === "again") continue;
        if (step === "retry") {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        if (step === "failed") {
          await sleep(this.backoff(batch));
          continue;
        }
        if (solo) cell.soloRemaining -= 1;
        const finished = new Set(step);
        cell.queue = cell.queue.filter((item) => !finished.has(item));
        this.shard.done(step);
      }
    } finally {
      cell.running = false;
      cell.lastUsed = this.services.clock();
    }
  }

  /** Decides a batch of one actor's commands; returns the items finished, or what to do next. */
  private async processBatch(
    cell: ActorCell,
    batch: Queued[],
  ): Promise<Queued[] | "retry" | "failed" | "again" | "stop"> {
    const { driver, commits, definitions, settings, stats } = this.services;
    if (!this.shard.leaseValid()) {
      this.shard.stop("lease lapsed");
      return "stop";
    }
    const definition = definitions.get(cell.actorType);
    try {
      if (!definition) {
        const error = new AppError("actor_failed", 500, "unknown actor type");
        await driver.commit(this.shard.fence, {
          ...address(cell),
          commands: batch.map(({ delivery, envelope }) => ({
            entryId: delivery.entryId,
            reply: failure(envelope, error),
            ...replyTarget(envelope),
          })),
        });
        return batch;
      }
      const verdicts = await this.replayDone(batch);
      const finished = batch.filter((_, i) => verdicts[i] === "replayed");
      stats.repliesReplayed += finished.length;
      const reused = batch.filter((_, i) => verdicts[i] === "mismatch");
      if (reused.length > 0) {
        // Another request under a command id decided before: refused, nothing run or stored.
        await driver.commit(this.shard.fence, {
          ...address(cell),
          commands: reused.map(({ delivery, envelope }) => ({
            entryId: delivery.entryId,
            reply: failure(envelope, errors.keyReused()),
            ...replyTarget(envelope),
          })),
        });
        finished.push(...reused);
      }
      const live = batch.filter((_, i) => verdicts[i] === "run");
      const spent = live.find((item) => item.failures >= settings.commandAttempts);
      if (spent) {
        // Set aside alone, nothing decided beside it: a failed write holds no neighbour's answer.
        await this.setAside(cell, spent);
        return [...finished, spent];
      }
      if (live.length === 0) return finished;
      if (!cell.loaded) await this.activate(cell, definition);

      const decision = await this.decide(cell, definition, live);
      if (decision.decided.length === 0) return finished.length > 0 ? finished : "retry";
      const flushed = await this.flush(cell, definition, decision);
      if (flushed !== "ok") return flushed;

      const state = stateWrite(definition.entries, decision.state, decision.stateChange);
      const outcome = await commits.commit(this.shard.fence, {
        ...address(cell),
        ...(state === undefined ? {} : { state }),
        reminders: decision.reminderOps,
        commands: decision.decided.map(({ item, reply, store }) => ({
          entryId: item.delivery.entryId,
          commandId: item.envelope.commandId,
          reply,
          storeReplyMs: store ? this.services.settings.replyRetentionMs : 0,
          ...replyTarget(item.envelope),
          ...fingerprintOf(item.envelope),
        })),
      });
      if (outcome === "duplicate") {
        // A command of the batch was decided before (elsewhere, or a resend of a decided command):
        // drop what we computed, look for stored replies and go again.
        stats.duplicatesRefused += 1;
        cell.loaded = false;
        for (const item of batch) item.claimed = true;
        return "again";
      }
      if (outcome === "missing") {
        // The stored state went away (evicted, lost) under the actor in memory: nothing written.
        // Activated again (rebuilt), the actor decides the batch on what its ledger holds.
        this.logger.warn({ actorId: cell.actorId }, "stored actor state is missing; activating again");
        cell.loaded = false;
        return "again";
      }
      stats.batchesCommitted += 1;
      cell.state = decision.state;
      cell.unsaved = undefined;
      if (decision.stateChange === "delete" || decision.reload) cell.loaded = false;
      for (const { item } of decision.decided) {
        if (item.envelope.kind === "command") stats.commandsProcessed += 1;
        else stats.remindersFired += 1;
      }
      for (const effect of decision.effects) {
        await Promise.resolve()
          .then(effect)
          .catch((error: unknown) => this.logger.error({ err: error }, "after-commit effect failed"));
      }
      return [...finished, ...decision.decided.map((d) => d.item)];
    } catch (error) {
      if (error instanceof StaleEpochError) {
        stats.staleWritesRefused += 1;
        this.shard.stop("fenced write refused");
        return "stop";
      }
      return this.failed(cell, batch, error);
    }
  }

  /**
   * Redis, the rebuild hook or the flush failed: whether anything landed is unknown, so the actor
   * reloads and the batch goes again after a wait; stored replies turn what did land into replays.
   * Which command of several broke it is unknown too: they go again one at a time, so one bad
   * command cannot keep its neighbours from being decided.
   */
  private failed(cell: ActorCell, batch: readonly Queued[], error: unknown): "failed" {
    cell.loaded = false;
    if (batch.length > 1) cell.soloRemaining = Math.max(cell.soloRemaining, batch.length);
    for (const item of batch) {
      item.failures += 1;
      item.lastError = error;
    }
    this.logger.warn(
      { err: error, actorId: cell.actorId, attempts: Math.max(...batch.map((item) => item.failures)) },
      "command batch failed; retrying",
    );
    return "failed";
  }

  /** The wait after a failed batch: it doubles with each failed try of its commands, up to a cap. */
  private backoff(batch: readonly Queued[]): number {
    const { retryDelayMs, retryDelayMaxMs } = this.services.settings;
    const failures = Math.max(1, ...batch.map((item) => item.failures));
    return Math.min(retryDelayMaxMs, retryDelayMs * 2 ** (failures - 1));
  }

  /**
   * A command that kept failing goes to the shard's dead-letter stream, acked, and its caller is told
   * it failed (not stored: a resend of its id runs again). The actor goes on with its next command.
   */
  private async setAside(cell: ActorCell, item: Queued): Promise<void> {
    const { driver, clock, stats } = this.services;
    const { delivery, envelope, failures } = item;
    const error = item.lastError instanceof Error ? item.lastError.message : String(item.lastError);
    await driver.deadLetter(this.shard.fence, {
      entryId: delivery.entryId,
      raw: delivery.raw ?? encodeEnvelope(envelope),
      error,
      attempts: failures,
      failedAt: clock(),
      consumer: this.shard.fence.owner,
      reply: failure(
        envelope,
        new AppError("actor_failed", 500, "the command could not be decided and was set aside"),
      ),
      ...replyTarget(envelope),
    });
    stats.deadLettered += 1;
    // The logger carries the shard and epoch.
    this.logger.error(
      {
        actorType: cell.actorType,
        actorId: cell.actorId,
        commandId: envelope.commandId,
        attempts: failures,
        error,
      },
      "command kept failing; set aside in the dead-letter stream",
    );
  }

  /**
   * Per item, true when its command id had a stored reply (replayed and acked by the script). Only
   * claimed or retried entries are looked up; new ones are checked by the commit itself.
   */
  private async replayDone(batch: Queued[]): Promise<ReplayVerdict[]> {
    const check = batch.filter((item) => item.claimed || item.attempts > 0);
    if (check.length === 0) return batch.map(() => "run");
    const verdicts = await this.services.driver.replayDone(
      this.shard.fence,
      check.map(({ delivery, envelope }) => ({
        entryId: delivery.entryId,
        commandId: envelope.commandId,
        ...replyTarget(envelope),
        ...fingerprintOf(envelope),
      })),
    );
    const byItem = new Map(check.map((item, i) => [item, verdicts[i] ?? "run"]));
    return batch.map((item) => byItem.get(item) ?? "run");
  }

  /** Runs the handlers in order, each on the state the previous one left. */
  private async decide(cell: ActorCell, definition: AnyActorDefinition, live: Queued[]): Promise<Decision> {
    const decision: Decision = {
      state: cell.state,
      stateChange: cell.unsaved ? "whole" : undefined,
      reminderOps: [...(cell.unsaved?.reminderOps ?? [])],
      effects: [],
      writes: [],
      decided: [],
      reload: false,
    };
    const repliesById = new Map<string, { reply: string; fingerprint: string | undefined }>();
    for (const item of live) {
      const { envelope } = item;
      const earlier = repliesById.get(envelope.commandId);
      if (earlier !== undefined) {
        // The same command id twice in one batch: one effect, the same answer; another request
        // under the same id is refused.
        const fingerprint = fingerprintOf(envelope).fingerprint;
        const same = sameRequest(earlier.fingerprint ?? null, fingerprint);
        decision.decided.push({
          item,
          reply: same ? earlier.reply : failure(envelope, errors.keyReused()),
          store: same,
          writes: 0,
        });
        continue;
      }
      item.attempts += 1;
      const scope = new CommandScope<unknown>(
        cell.actorType,
        cell.actorId,
        this.shard.fence,
        envelope.commandId,
        decision.state,
        this.logger,
        this.services.clock,
        () => this.assertLeaseHeld(),
        fingerprintOf(envelope).fingerprint,
      );
      const { reply, store } = await this.run(definition, scope, envelope, item.attempts);
      if (reply === undefined) break; // a failing reminder: retried later, after what came before it
      if (store) {
        decision.stateChange = mergeChange(decision.stateChange, scope.stateChange);
        if (scope.stateChange === "delete") decision.state = undefined;
        else if (scope.stateChange !== undefined) decision.state = scope.state;
        decision.reminderOps.push(...scope.reminderOps);
        decision.effects.push(...scope.effects);
        decision.writes.push(...scope.writes);
        repliesById.set(envelope.commandId, { reply, fingerprint: fingerprintOf(envelope).fingerprint });
      } else {
        decision.reload = true;
      }
      decision.decided.push({ item, reply, store, writes: store ? scope.writes.length : 0 });
    }
    return decision;
  }

  /**
   * Flushes the batch's staged writes. When it refuses (an AppError), a batch of several is decided
   * again one at a time, and for a single command the AppError becomes its reply (and its staged
   * changes are dropped). Anything else is a fault and is thrown: the batch failed.
   */
  private async flush(
    cell: ActorCell,
    definition: AnyActorDefinition,
    decision: Decision,
  ): Promise<"ok" | "retry" | "again"> {
    if (decision.writes.length === 0 || !definition.flushWrites) return "ok";
    try {
      await definition.flushWrites(decision.writes, {
        ...address(cell),
        shard: this.shard.fence.shard,
        epoch: this.shard.fence.epoch,
        logger: this.logger,
        assertLeaseHeld: () => this.assertLeaseHeld(),
      });
      return "ok";
    } catch (thrown) {
      if (thrown instanceof StaleEpochError) throw thrown;
      if (
        thrown instanceof DecideAgainError &&
        decision.decided.every((d) => d.item.attempts < DECIDE_AGAIN_ATTEMPTS)
      ) {
        this.services.stats.decidedAgain += 1;
        return "again";
      }
      const error = thrown instanceof DecideAgainError ? thrown.refusal : thrown;
      // Not a refusal but a fault: the batch failed.
      if (!(error instanceof AppError)) throw error;
      const single = decision.decided.length === 1 ? decision.decided[0]! : undefined;
      if (!single) {
        cell.loaded = false;
        cell.soloRemaining = Math.max(cell.soloRemaining, decision.decided.length);
        return "retry";
      }
      single.reply = failure(single.item.envelope, error);
      decision.state = cell.state;
      decision.stateChange = cell.unsaved ? "whole" : undefined;
      decision.reminderOps = [...(cell.unsaved?.reminderOps ?? [])];
      decision.effects = [];
      decision.writes = [];
      return "ok";
    }
  }

  private assertLeaseHeld(): void {
    if (!this.shard.leaseValid())
      throw new StaleEpochError("commit_batch", this.shard.fence.shard, this.shard.fence.epoch);
  }

  /** Runs the handler; reply undefined means "retry later" (a failing reminder). */
  private async run(
    definition: AnyActorDefinition,
    scope: CommandScope<unknown>,
    envelope: CommandEnvelope,
    attempts: number,
  ): Promise<{ reply: string | undefined; store: boolean }> {
    try {
      if (envelope.kind === "reminder") {
        await definition.onReminder?.(scope, envelope.name);
        return { reply: success(envelope, null, false), store: true };
      }
      const parsed = definition.commandSchema.safeParse(envelope.body);
      if (!parsed.success) {
        const error = new AppError("validation_failed", 400, "invalid actor command", parsed.error.issues);
        return { reply: failure(envelope, error), store: true };
      }
      const value = await definition.handle(scope, parsed.data);
      return { reply: success(envelope, value ?? null, scope.replayed), store: true };
    } catch (error) {
      if (error instanceof StaleEpochError) throw error;
      // A reused key's refusal is not stored: the id's stored reply must stay the first request's.
      if (error instanceof AppError)
        return { reply: failure(envelope, error), store: error.code !== KEY_REUSED };
      this.logger.error({ err: error, commandId: envelope.commandId }, "actor handler failed");
      if (envelope.kind === "reminder" && attempts < REMINDER_ATTEMPTS)
        return { reply: undefined, store: false };
      const failed = new AppError("actor_failed", 500, "the actor could not handle the command");
      return { reply: failure(envelope, failed), store: false };
    }
  }

  private async activate(cell: ActorCell, definition: AnyActorDefinition): Promise<void> {
    const { driver, stats } = this.services;
    cell.unsaved = undefined;
    const stored = await driver.loadState(this.shard.fence.shard, cell.actorType, cell.actorId);
    if (stored !== null) {
      const parsed = stateFromEntries(definition, stored);
      if (parsed.ok) {
        cell.state = parsed.state;
        cell.loaded = true;
        stats.actorsActivated += 1;
        return;
      }
      this.logger.warn({ actorId: cell.actorId }, "stored actor state is malformed; rebuilding");
    }
    const scope = new CommandScope<unknown>(
      cell.actorType,
      cell.actorId,
      this.shard.fence,
      "",
      undefined,
      this.logger,
      this.services.clock,
      () => {},
    );
    const state = await definition.rebuild(scope);
    cell.state = definition.stateSchema.parse(state);
    // Written with the first batch's commit (one round trip less for every new actor).
    cell.unsaved = { reminderOps: scope.reminderOps };
    cell.loaded = true;
    stats.actorsActivated += 1;
  }
}

function address(cell: ActorCell) {
  return { actorType: cell.actorType, actorId: cell.actorId };
}
