// One shard owned by this worker under one lease epoch: it takes the shard's pending commands over,
// queues deliveries per actor (one command at a time per actor, actors side by side), activates and
// passivates actors, runs handlers and commits their outcome under the fence. It stops at once when
// the lease lapses or a fenced write is refused; what it leaves pending, the next owner claims.
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import type { AnyActorDefinition } from "./actor.ts";
import { CommandScope } from "./command-scope.ts";
import type { ActorDriver, Delivery, Fence } from "./driver.ts";
import { type CommandEnvelope, decodeEnvelope, type Reply } from "./envelope.ts";
import type { HostStats } from "./host-stats.ts";
import { StaleEpochError } from "./script-codes.ts";
import type { RuntimeSettings } from "./settings.ts";

export interface RunnerServices {
  driver: ActorDriver;
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
}

interface ActorCell {
  actorType: string;
  actorId: string;
  state: unknown;
  loaded: boolean;
  queue: Queued[];
  running: boolean;
  lastUsed: number;
}

type Step = "done" | "retry" | "stop";

const REMINDER_ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;

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

  dispatch(delivery: Delivery): void {
    if (!this.isAccepting || this.inFlight.has(delivery.entryId)) return;
    const envelope = decodeEnvelope(delivery.raw);
    if (!envelope) {
      this.logger.warn({ entryId: delivery.entryId }, "dropping a malformed or deleted mailbox entry");
      void this.guard(() =>
        this.services.driver.commit(this.fence, { actorType: "-", actorId: "-", entryId: delivery.entryId }),
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
      };
      this.cells.set(key, cell);
    }
    cell.queue.push({ delivery, envelope, attempts: 0 });
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
    for (const delivery of fresh) this.dispatch(delivery);
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
        const item = cell.queue[0]!;
        const step = await this.process(cell, item);
        if (step === "stop" || this.stopped) return;
        if (step === "retry") {
          await sleep(RETRY_DELAY_MS);
          continue;
        }
        cell.queue.shift();
        this.inFlight.delete(item.delivery.entryId);
      }
    } finally {
      cell.running = false;
      cell.lastUsed = this.services.clock();
    }
  }

  private async process(cell: ActorCell, item: Queued): Promise<Step> {
    const { driver, definitions, stats } = this.services;
    const { envelope, delivery } = item;
    if (!this.leaseValid()) {
      this.stop("lease lapsed");
      return "stop";
    }
    const replyTo = envelope.kind === "command" ? envelope.replyTo : undefined;
    const definition = definitions.get(envelope.actorType);
    try {
      if (!definition) {
        const reply = failure(envelope.commandId, new AppError("actor_failed", 500, "unknown actor type"));
        await driver.commit(this.fence, { ...address(cell), entryId: delivery.entryId, reply, replyTo });
        return "done";
      }
      if (await driver.replayIfDone(this.fence, delivery.entryId, envelope.commandId, replyTo)) {
        stats.repliesReplayed += 1;
        return "done";
      }
      if (!cell.loaded) await this.activate(cell, definition);
      item.attempts += 1;
      const scope = new CommandScope<unknown>(
        cell.actorType,
        cell.actorId,
        this.fence,
        envelope.commandId,
        cell.state,
        this.logger,
        this.services.clock,
        () => {
          if (!this.leaseValid())
            throw new StaleEpochError("commit_command", this.fence.shard, this.fence.epoch);
        },
      );
      const { reply, store } = await this.run(definition, scope, envelope, item.attempts);
      if (reply === undefined) return "retry";
      const outcome = await driver.commit(this.fence, {
        ...address(cell),
        entryId: delivery.entryId,
        commandId: envelope.commandId,
        reply,
        storeReplyMs: store ? this.services.settings.replyRetentionMs : 0,
        replyTo,
        ...(store && scope.stateOp === "set"
          ? { state: { op: "set", value: JSON.stringify(scope.state) } }
          : {}),
        ...(store && scope.stateOp === "delete" ? { state: { op: "delete" } } : {}),
        reminders: store ? scope.reminderOps : [],
      });
      if (outcome === "duplicate") {
        // Someone committed this command id first; what we computed in memory must not stand.
        stats.duplicatesRefused += 1;
        cell.loaded = false;
        return "done";
      }
      if (store && scope.stateOp) cell.state = scope.stateOp === "set" ? scope.state : undefined;
      if (scope.stateOp === "delete" && store) cell.loaded = false;
      if (!store) cell.loaded = false;
      if (envelope.kind === "command") stats.commandsProcessed += 1;
      else stats.remindersFired += 1;
      for (const effect of store ? scope.effects : []) {
        await Promise.resolve()
          .then(effect)
          .catch((error: unknown) => this.logger.error({ err: error }, "after-commit effect failed"));
      }
      return "done";
    } catch (error) {
      if (error instanceof StaleEpochError) {
        stats.staleWritesRefused += 1;
        this.stop("fenced write refused");
        return "stop";
      }
      // Redis or the rebuild hook failed: whether the commit landed is unknown, so reload the actor and
      // try again; replay_if_done turns a landed commit into a replay.
      this.logger.warn({ err: error, commandId: envelope.commandId }, "command step failed; retrying");
      cell.loaded = false;
      return "retry";
    }
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
        return { reply: success(envelope.commandId, null), store: true };
      }
      const parsed = definition.commandSchema.safeParse(envelope.body);
      if (!parsed.success) {
        const error = new AppError("validation_failed", 400, "invalid actor command", parsed.error.issues);
        return { reply: failure(envelope.commandId, error), store: true };
      }
      const value = await definition.handle(scope, parsed.data);
      return { reply: success(envelope.commandId, value ?? null), store: true };
    } catch (error) {
      if (error instanceof StaleEpochError) throw error;
      if (error instanceof AppError) return { reply: failure(envelope.commandId, error), store: true };
      this.logger.error({ err: error, commandId: envelope.commandId }, "actor handler failed");
      if (envelope.kind === "reminder" && attempts < REMINDER_ATTEMPTS)
        return { reply: undefined, store: false };
      const failed = new AppError("actor_failed", 500, "the actor could not handle the command");
      return { reply: failure(envelope.commandId, failed), store: false };
    }
  }

  private async activate(cell: ActorCell, definition: AnyActorDefinition): Promise<void> {
    const { driver, stats } = this.services;
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
    const checked = definition.stateSchema.parse(state);
    await driver.commit(this.fence, {
      ...address(cell),
      state: { op: "set", value: JSON.stringify(checked) },
      reminders: scope.reminderOps,
    });
    cell.state = checked;
    cell.loaded = true;
    stats.actorsActivated += 1;
  }
}

function address(cell: ActorCell) {
  return { actorType: cell.actorType, actorId: cell.actorId };
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

function success(commandId: string, value: unknown): string {
  return JSON.stringify({ commandId, ok: true, value } satisfies Reply);
}

function failure(commandId: string, error: AppError): string {
  const body = error.toBody().error;
  return JSON.stringify({
    commandId,
    ok: false,
    error: {
      code: body.code,
      status: error.status,
      message: body.message,
      ...(body.details === undefined ? {} : { details: body.details }),
    },
  } satisfies Reply);
}
