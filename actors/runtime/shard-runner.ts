// One shard owned by this worker under one lease epoch: it takes the shard's pending commands over,
// queues deliveries per actor (one command at a time per actor, actors side by side), activates and
// passivates actors, runs handlers and commits their outcome under the fence. It stops at once when
// the lease lapses or a fenced write is refused; what it leaves pending, the next owner claims.
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { type AnyActorDefinition, DecideAgainError } from "./actor.ts";
import { CommandScope } from "./command-scope.ts";
import type { CommitGroups } from "./commit-groups.ts";
import type { ActorDriver, Delivery, Fence, ReminderOp, ReplayVerdict } from "./driver.ts";
import {
  type CommandEnvelope,
  decodeEnvelope,
  KEY_REUSED,
  keyReused,
  type Reply,
  sameRequest,
} from "./envelope.ts";
import type { HostStats } from "./host-stats.ts";
import { StaleEpochError } from "./script-codes.ts";
import type { RuntimeSettings } from "./settings.ts";

export interface RunnerServices {
  driver: ActorDriver;
  /** The worker's fenced commits, sent together per shard after each turn of the event loop. */
  commits: CommitGroups;
  definitions: ReadonlyMap<string, AnyActorDefinition>;
  /** Consumer name in the mailbox group (the worker incarnation). */
  consumer: string;
  settings: RuntimeSettings;
  clock: () => number;
  logger: Logger;
  stats: HostStats;
  onStopped: (runner: ShardRunner, reason: string) => void;
}

interface Queued {
  delivery: Delivery;
  envelope: CommandEnvelope;
  attempts: number;
  /**
   * Taken over from another consumer: look for a stored reply before running it. A new entry skips
   * that round trip; if its command id was decided before (a caller's resend), the commit refuses
   * the batch as a duplicate and it is replayed then.
   */
  claimed: boolean;
}

interface ActorCell {
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

interface Decided {
  item: Queued;
  reply: string;
  store: boolean;
  writes: number;
}

interface Decision {
  state: unknown;
  stateOp: "set" | "delete" | undefined;
  reminderOps: ReminderOp[];
  effects: Array<() => void | Promise<void>>;
  writes: unknown[];
  decided: Decided[];
  /** A handler failed unexpectedly: reload the actor after this batch. */
  reload: boolean;
}

const REMINDER_ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;
/** How many times a batch is decided again at once after flushWrites found the actor's state stale. */
const DECIDE_AGAIN_ATTEMPTS = 3;

export class ShardRunner {
  readonly fence: Fence;
  private validUntil: number;
  private stopped = false;
  private accepting = true;
  private readonly cells = new Map<string, ActorCell>();
  /** Entry ids queued or running here, so a re-claimed entry is not run twice side by side. */
  private readonly inFlight = new Set<string>();
  private lastOrphanClaim: number;
  private lastTidy: number;
  private readonly logger: Logger;

  constructor(
    private readonly services: RunnerServices,
    shard: number,
    epoch: number,
    grantedAt: number,
  ) {
    this.fence = { shard, owner: services.consumer, epoch };
    this.validUntil = grantedAt + services.settings.leaseTtlMs;
    this.lastOrphanClaim = services.clock();
    this.lastTidy = services.clock();
    this.logger = services.logger.child({ shard, epoch });
  }

  get shard() {
    return this.fence.shard;
  }
  get isStopped() {
    return this.stopped;
  }
  /** Reading new entries for this shard makes sense. */
  get isAccepting() {
    return this.accepting && !this.stopped;
  }
  get queued() {
    return this.inFlight.size;
  }
  get activeActors() {
    return this.cells.size;
  }

  leaseValid(): boolean {
    return !this.stopped && this.services.clock() < this.validUntil;
  }

  /** Takes over everything pending on the shard (from a dead or fenced-off previous owner). */
  async start(): Promise<void> {
    await this.claim(0);
  }

  /** Renews the lease; on refusal the runner stops. Network errors leave the local deadline as is. */
  async renew(): Promise<void> {
    if (this.stopped) return;
    const sentAt = this.services.clock();
    try {
      await this.services.driver.renewLease(this.fence, this.services.settings.leaseTtlMs);
      if (!this.stopped) this.validUntil = sentAt + this.services.settings.leaseTtlMs;
    } catch (error) {
      if (error instanceof StaleEpochError) this.stop("lease renewal refused");
      else this.logger.warn({ err: error }, "lease renewal failed; retrying until the lease lapses");
    }
    if (!this.leaseValid()) this.stop("lease lapsed");
  }

  /** Stops at once: no further command starts, in-memory actors are dropped, nothing is acked. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.accepting = false;
    this.cells.clear();
    this.inFlight.clear();
    this.services.stats.leasesLost += 1;
    this.logger.warn({ reason }, "stopped processing shard");
    this.services.onStopped(this, reason);
  }

  /** Graceful hand-over: stop taking entries, let running commands finish (bounded), release the lease. */
  async handOff(maxWaitMs: number): Promise<void> {
    this.accepting = false;
    const deadline = this.services.clock() + maxWaitMs;
    while (
      !this.stopped &&
      [...this.cells.values()].some((c) => c.running) &&
      this.services.clock() < deadline
    ) {
      await sleep(10);
    }
    if (this.stopped) return;
    this.stopped = true;
    this.cells.clear();
    this.inFlight.clear();
    await this.services.driver.releaseLease(this.fence).catch((error: unknown) => {
      this.logger.warn({ err: error }, "lease release failed; it will expire");
    });
    this.services.stats.leasesReleased += 1;
    this.services.onStopped(this, "handed off");
  }

  /** Periodic upkeep: take over orphaned entries, passivate idle actors, trim the mailbox. */
  async maintain(): Promise<void> {
    if (!this.leaseValid()) return;
    const { settings, clock } = this.services;
    const now = clock();
    if (now - this.lastOrphanClaim >= settings.orphanClaimMs) {
      this.lastOrphanClaim = now;
      await this.guard(() => this.claim(settings.orphanClaimMs));
    }
    for (const [key, cell] of this.cells) {
      if (!cell.running && cell.queue.length === 0 && now - cell.lastUsed >= settings.passivateAfterMs) {
        this.cells.delete(key);
        this.services.stats.actorsPassivated += 1;
      }
    }
    if (now - this.lastTidy >= settings.tidyEveryMs) {
      this.lastTidy = now;
      await this.guard(() =>
        this.services.driver.tidyMailbox(this.fence, this.services.consumer, settings.orphanClaimMs * 10),
      );
    }
  }

  /** Moves due reminders into the mailbox (the owner only). */
  async pollReminders(): Promise<void> {
    if (!this.leaseValid()) return;
    await this.guard(() => this.services.driver.deliverDueReminders(this.fence, this.services.clock(), 100));
  }

  dispatch(delivery: Delivery, claimed = false): void {
    if (!this.isAccepting || this.inFlight.has(delivery.entryId)) return;
    const envelope = decodeEnvelope(delivery.raw);
    if (!envelope) {
      this.logger.warn({ entryId: delivery.entryId }, "dropping a malformed or deleted mailbox entry");
      void this.guard(() =>
        this.services.driver.commit(this.fence, {
          actorType: "-",
          actorId: "-",
          commands: [{ entryId: delivery.entryId }],
        }),
      );
      return;
    }
    this.inFlight.add(delivery.entryId);
    const key = `${envelope.actorType}\n${envelope.actorId}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = {
        actorType: envelope.actorType,
        actorId: envelope.actorId,
        state: undefined,
        loaded: false,
        queue: [],
        running: false,
        lastUsed: this.services.clock(),
        soloRemaining: 0,
        unsaved: undefined,
      };
      this.cells.set(key, cell);
    }
    cell.queue.push({ delivery, envelope, attempts: 0, claimed });
    if (!cell.running) void this.drain(cell);
  }

  private async claim(minIdleMs: number): Promise<void> {
    const claimed = await this.services.driver.claimPending(this.fence, this.services.consumer, {
      minIdleMs,
      count: 500,
    });
    const fresh = claimed.filter((d) => !this.inFlight.has(d.entryId));
    if (fresh.length > 0) {
      this.services.stats.pendingClaimed += fresh.length;
      this.logger.info({ claimed: fresh.length }, "took over pending commands");
    }
    for (const delivery of fresh) this.dispatch(delivery, true);
  }

  /** Runs a fenced driver call; a refusal stops the runner, other errors are logged. */
  private async guard(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof StaleEpochError) {
        this.services.stats.staleWritesRefused += 1;
        this.stop("fenced write refused");
      } else {
        this.logger.warn({ err: error }, "shard upkeep failed");
      }
    }
  }

  private async drain(cell: ActorCell): Promise<void> {
    cell.running = true;
    try {
      while (cell.queue.length > 0 && !this.stopped) {
        const solo = cell.soloRemaining > 0;
        const batch = cell.queue.slice(0, solo ? 1 : this.services.settings.maxBatch);
        const step = await this.processBatch(cell, batch);
        if (step === "stop" || this.stopped) return;
        if (step === "again") continue;
        if (step === "retry") {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        if (solo) cell.soloRemaining -= 1;
        const finished = new Set(step);
        cell.queue = cell.queue.filter((item) => !finished.has(item));
        for (const item of step) this.inFlight.delete(item.delivery.entryId);
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
  ): Promise<Queued[] | "retry" | "again" | "stop"> {
    const { driver, commits, definitions, stats } = this.services;
    if (!this.leaseValid()) {
      this.stop("lease lapsed");
      return "stop";
    }
    const definition = definitions.get(cell.actorType);
    try {
      if (!definition) {
        const error = new AppError("actor_failed", 500, "unknown actor type");
        await driver.commit(this.fence, {
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
        await driver.commit(this.fence, {
          ...address(cell),
          commands: reused.map(({ delivery, envelope }) => ({
            entryId: delivery.entryId,
            reply: failure(envelope, keyReused()),
            ...replyTarget(envelope),
          })),
        });
        finished.push(...reused);
      }
      const live = batch.filter((_, i) => verdicts[i] === "run");
      if (live.length === 0) return finished;
      if (!cell.loaded) await this.activate(cell, definition);

      const decision = await this.decide(cell, definition, live);
      if (decision.decided.length === 0) return finished.length > 0 ? finished : "retry";
      const flushed = await this.flush(cell, definition, decision);
      if (flushed !== "ok") return flushed;

      const outcome = await commits.commit(this.fence, {
        ...address(cell),
        ...(decision.stateOp === "set"
          ? { state: { op: "set", value: JSON.stringify(decision.state) } }
          : {}),
        ...(decision.stateOp === "delete" ? { state: { op: "delete" } } : {}),
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
      stats.batchesCommitted += 1;
      cell.state = decision.state;
      cell.unsaved = undefined;
      if (decision.stateOp === "delete" || decision.reload) cell.loaded = false;
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
        this.stop("fenced write refused");
        return "stop";
      }
      // Redis, the rebuild hook or the flush failed: whether anything landed is unknown, so reload the
      // actor and go again; stored replies turn what did land into replays.
      this.logger.warn({ err: error, actorId: cell.actorId }, "command batch failed; retrying");
      cell.loaded = false;
      return "retry";
    }
  }

  /**
   * Per item, true when its command id had a stored reply (replayed and acked by the script). Only
   * claimed or retried entries are looked up; new ones are checked by the commit itself.
   */
  private async replayDone(batch: Queued[]): Promise<ReplayVerdict[]> {
    const check = batch.filter((item) => item.claimed || item.attempts > 0);
    if (check.length === 0) return batch.map(() => "run");
    const verdicts = await this.services.driver.replayDone(
      this.fence,
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
      stateOp: cell.unsaved ? "set" : undefined,
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
          reply: same ? earlier.reply : failure(envelope, keyReused()),
          store: same,
          writes: 0,
        });
        continue;
      }
      item.attempts += 1;
      const scope = new CommandScope<unknown>(
        cell.actorType,
        cell.actorId,
        this.fence,
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
        if (scope.stateOp) decision.stateOp = scope.stateOp;
        if (scope.stateOp === "set") decision.state = scope.state;
        if (scope.stateOp === "delete") decision.state = undefined;
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
   * Flushes the batch's staged writes. On failure a batch of several is decided again one at a time;
   * for a single command an AppError becomes its reply (and its staged changes are dropped).
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
        shard: this.fence.shard,
        epoch: this.fence.epoch,
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
      const single = decision.decided.length === 1 ? decision.decided[0]! : undefined;
      if (!single || !(error instanceof AppError)) {
        if (!(error instanceof AppError)) this.logger.warn({ err: error }, "flushing writes failed");
        cell.loaded = false;
        cell.soloRemaining = Math.max(cell.soloRemaining, decision.decided.length);
        if (single) throw error;
        return "retry";
      }
      single.reply = failure(single.item.envelope, error);
      decision.state = cell.state;
      decision.stateOp = cell.unsaved ? "set" : undefined;
      decision.reminderOps = [...(cell.unsaved?.reminderOps ?? [])];
      decision.effects = [];
      decision.writes = [];
      return "ok";
    }
  }

  private assertLeaseHeld(): void {
    if (!this.leaseValid()) throw new StaleEpochError("commit_batch", this.fence.shard, this.fence.epoch);
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
    const raw = await driver.loadState(this.fence.shard, cell.actorType, cell.actorId);
    if (raw !== null) {
      const parsed = parseState(definition, raw);
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
      this.fence,
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

function replyTarget(envelope: CommandEnvelope): { replyTo?: string } {
  return envelope.kind === "command" && envelope.replyTo ? { replyTo: envelope.replyTo } : {};
}

function fingerprintOf(envelope: CommandEnvelope): { fingerprint?: string } {
  return envelope.kind === "command" && envelope.fingerprint ? { fingerprint: envelope.fingerprint } : {};
}

function parseState(
  definition: AnyActorDefinition,
  raw: string,
): { ok: true; state: unknown } | { ok: false } {
  try {
    const parsed = definition.stateSchema.safeParse(JSON.parse(raw));
    return parsed.success ? { ok: true, state: parsed.data } : { ok: false };
  } catch {
    return { ok: false };
  }
}

/** Who a reply is for: the command id, and the fingerprint of the request when it had one. */
function answering(envelope: CommandEnvelope): { commandId: string; fingerprint?: string } {
  return { commandId: envelope.commandId, ...fingerprintOf(envelope) };
}

function success(envelope: CommandEnvelope, value: unknown, replayed: boolean): string {
  const reply: Reply = { ...(replayed ? { replayed } : {}), ...answering(envelope), ok: true, value };
  return JSON.stringify(reply);
}

function failure(envelope: CommandEnvelope, error: AppError): string {
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
