// The generic actor host of one shard-worker process: it keeps the worker in the membership set,
// computes which shards it should own (placement.ts), acquires, renews and hands over their leases,
// reads the owned mailboxes with one blocking read and feeds a ShardRunner per owned shard.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../../src/logger.ts";
import type { AnyActorDefinition } from "./actor.ts";
import { CommitGroups } from "./commit-groups.ts";
import type { ActorDriver } from "./driver.ts";
import { emptyStats, type HostStats } from "./host-stats.ts";
import { shardsOf } from "./placement.ts";
import { type RuntimeSettings, runtimeSettings } from "./settings.ts";
import { ShardRunner } from "./shard-runner.ts";

export interface ActorHostOptions {
  driver: ActorDriver;
  actors: readonly AnyActorDefinition[];
  /** Stable name of the worker (placement is by name, so a restarted worker gets its shards back). */
  workerId: string;
  shardCount: number;
  logger: Logger;
  settings?: Partial<RuntimeSettings>;
  clock?: () => number;
}

export interface HostSnapshot {
  workerId: string;
  /** This process's incarnation: the lease owner and mailbox consumer name. */
  incarnation: string;
  members: string[];
  ownedShards: { shard: number; epoch: number }[];
  activeActors: number;
  stats: HostStats;
}

export class ActorHost {
  readonly workerId: string;
  readonly incarnation: string;
  readonly stats: HostStats = emptyStats();
  private readonly settings: RuntimeSettings;
  private readonly clock: () => number;
  private readonly driver: ActorDriver;
  private readonly commits: CommitGroups;
  private readonly logger: Logger;
  private readonly definitions: Map<string, AnyActorDefinition>;
  private readonly runners = new Map<number, ShardRunner>();
  private readonly acquiring = new Set<number>();
  private members: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: ActorHostOptions) {
    this.workerId = options.workerId;
    this.incarnation = `${options.workerId}/${randomUUID().slice(0, 8)}`;
    this.settings = runtimeSettings(options.settings);
    this.clock = options.clock ?? Date.now;
    this.driver = options.driver;
    this.commits = new CommitGroups(options.driver, this.stats);
    this.logger = options.logger.child({ incarnation: this.incarnation });
    this.definitions = new Map();
    for (const actor of options.actors) {
      if (this.definitions.has(actor.type)) throw new Error(`actor type ${actor.type} registered twice`);
      this.definitions.set(actor.type, actor);
    }
  }

  /** Joins, takes its first shards, then keeps placement, reading and reminders going in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.tick();
    this.loops = [
      // Renewal has its own loop so a slow placement step (a large take-over) never delays it.
      this.every(this.settings.tickMs, () => this.renew()),
      // Stops a shard the moment its lease lapses locally, even while a renewal hangs on the network.
      this.every(Math.max(20, Math.floor(this.settings.tickMs / 2)), async () => this.stopLapsed()),
      this.every(this.settings.tickMs, () => this.tick()),
      this.every(this.settings.reminderPollMs, () => this.pollReminders()),
      this.readLoop(),
    ];
  }

  /** Hands every shard over (running commands finish first), leaves the membership. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.driver.leave(this.workerId).catch(() => {});
    await Promise.all([...this.runners.values()].map((r) => r.handOff(this.settings.leaseTtlMs / 2)));
    // A loop stuck on a hung Redis call must not hold the process: wait a lease TTL at most.
    await Promise.race([Promise.allSettled(this.loops), sleep(this.settings.leaseTtlMs)]);
  }

  /**
   * Stops renewing, heartbeating and reading without releasing anything, as a frozen or partitioned
   * process would look to the others; commands already running still try to commit and are refused
   * once fenced. For fault tests and a last resort on fatal errors.
   */
  halt(): void {
    this.running = false;
  }

  snapshot(): HostSnapshot {
    const owned = [...this.runners.values()].filter((r) => r.leaseValid());
    return {
      workerId: this.workerId,
      incarnation: this.incarnation,
      members: this.members,
      ownedShards: owned
        .map((r) => ({ shard: r.shard, epoch: r.fence.epoch }))
        .sort((a, b) => a.shard - b.shard),
      activeActors: owned.reduce((n, r) => n + r.activeActors, 0),
      stats: { ...this.stats },
    };
  }

  private async every(intervalMs: number, work: () => Promise<void>): Promise<void> {
    while (this.running) {
      await sleep(intervalMs);
      if (!this.running) return;
      await work().catch((error: unknown) => this.logger.error({ err: error }, "actor host loop failed"));
    }
  }

  private stopLapsed(): void {
    for (const runner of this.runners.values()) {
      if (!runner.isStopped && !runner.leaseValid()) runner.stop("lease lapsed");
    }
  }

  private async renew(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.renew()));
  }

  /** Membership and placement: take wanted shards, hand over unwanted ones, then upkeep. */
  private async tick(): Promise<void> {
    try {
      this.members = await this.driver.heartbeat(this.workerId, this.settings.memberTtlMs);
    } catch (error) {
      this.logger.warn({ err: error }, "heartbeat failed; keeping the last known members");
    }
    if (!this.running) return;
    const wanted = shardsOf(this.workerId, this.members, this.options.shardCount);
    for (const [shard, runner] of this.runners) {
      if (!wanted.has(shard) && runner.isAccepting) void runner.handOff(this.settings.leaseTtlMs / 2);
    }
    await Promise.all(
      [...wanted].filter((shard) => !this.runners.has(shard)).map((shard) => this.acquire(shard)),
    );
    await Promise.all([...this.runners.values()].map((r) => r.maintain()));
  }

  private async acquire(shard: number): Promise<void> {
    if (this.acquiring.has(shard)) return;
    this.acquiring.add(shard);
    try {
      const askedAt = this.clock();
      const grant = await this.driver.acquireLease(shard, this.incarnation, this.settings.leaseTtlMs);
      if (!grant.granted) return;
      this.stats.leasesAcquired += 1;
      await this.driver.ensureMailbox(shard);
      const runner = new ShardRunner(
        {
          driver: this.driver,
          commits: this.commits,
          definitions: this.definitions,
          consumer: this.incarnation,
          settings: this.settings,
          clock: this.clock,
          logger: this.logger,
          stats: this.stats,
          onStopped: (stopped) => {
            if (this.runners.get(stopped.shard) === stopped) this.runners.delete(stopped.shard);
          },
        },
        shard,
        grant.epoch,
        askedAt,
      );
      this.runners.set(shard, runner);
      this.logger.info({ shard, epoch: grant.epoch }, "acquired shard lease");
      await runner.start();
    } catch (error) {
      this.logger.warn({ err: error, shard }, "could not take the shard");
    } finally {
      this.acquiring.delete(shard);
    }
  }

  private async pollReminders(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.pollReminders()));
  }

  private async readLoop(): Promise<void> {
    while (this.running) {
      const runners = [...this.runners.values()].filter((r) => r.isAccepting && r.leaseValid());
      const queued = runners.reduce((n, r) => n + r.queued, 0);
      if (runners.length === 0 || queued >= this.settings.maxQueued) {
        await sleep(Math.min(50, this.settings.readBlockMs));
        continue;
      }
      try {
        const deliveries = await this.driver.read(
          this.incarnation,
          runners.map((r) => r.shard),
          { count: this.settings.readCount, blockMs: this.settings.readBlockMs },
        );
        if (deliveries.length > 0) {
          this.stats.mailboxReads += 1;
          this.stats.entriesRead += deliveries.length;
        }
        // An entry for a shard lost meanwhile stays pending with us; the new owner claims it.
        for (const delivery of deliveries) this.runners.get(delivery.shard)?.dispatch(delivery);
      } catch (error) {
        if (!this.running) return;
        this.logger.warn({ err: error }, "mailbox read failed");
        await sleep(100);
      }
    }
  }
}
