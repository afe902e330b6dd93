// One shard owned by this worker under one lease epoch, from the grant to the stop or hand-off: it
// renews the lease, takes the shard's pending commands over (at the start, then orphans every TTL),
// queues each delivery with its actor (actor-turn.ts runs one command batch at a time per actor,
// actors side by side), passivates idle actors, trims the mailbox and moves due reminders into it.
// It stops at once when the lease lapses or a fenced write is refused; what it leaves pending, the
// next owner claims.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../src/logger.ts";
import { type ActorCell, ActorTurns, newActorCell, type Queued, type TurnServices } from "./actor-turn.ts";
import type { Delivery, Fence } from "./driver.ts";
import { decodeEnvelope } from "./envelope.ts";
import { StaleEpochError } from "./script-codes.ts";

export interface RunnerServices extends TurnServices {
  /** Consumer name in the mailbox group (the worker incarnation). */
  consumer: string;
  logger: Logger;
  onStopped: (runner: ShardRunner, reason: string) => void;
}

export class ShardRunner {
  readonly fence: Fence;
  private readonly turns: ActorTurns;
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
    this.turns = new ActorTurns(services, this, this.logger);
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
      cell = newActorCell(envelope.actorType, envelope.actorId, this.services.clock());
      this.cells.set(key, cell);
    }
    cell.queue.push({ delivery, envelope, attempts: 0, failures: 0, lastError: undefined, claimed });
    if (!cell.running) void this.turns.drain(cell);
  }

  /** The commands are finished here: a later claim of their entries may run them. */
  done(items: readonly Queued[]): void {
    for (const item of items) this.inFlight.delete(item.delivery.entryId);
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
}
