// One reconciliation pass: compares the ledger (PostgreSQL, the record) with what Redis holds for it
// and repairs the difference. Reminders: the open bookings whose next reminder is due within a
// horizon are checked against their actors' reminders, and repaired through the actors' mailboxes
// (actors/space/space-reminder-audit.ts). Live cells: a batch of the map cells that hold listings,
// taken in turn pass after pass, is compared with the ledger's derivation and a drifted cell rebuilt
// (src/live/cell-repair.ts). Every repair is idempotent: passes may overlap, and race the actors.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { getResolution, isValidCell } from "h3-js";
import type { ActorClient } from "../../actors/runtime/index.ts";
import {
  findMissingReminders,
  type MissingReminder,
  repairReminders,
} from "../../actors/space/space-reminder-audit.ts";
import type { LiveContext } from "../live/index.ts";
import { repairCells } from "../live/index.ts";
import type { Logger } from "../logger.ts";
import type { Redis } from "../storage/redis.ts";
import type { ReconcileMetrics } from "./reconciliation-metrics.ts";

/** One reminder of one space at one time, as a finding names it. */
const reminderId = (m: MissingReminder) => `${m.spaceId} ${m.reminder.key} ${m.reminder.at}`;

export const RECONCILE_QUEUE = "reconciliation";
export const RECONCILE_JOB = "reconcile";

export interface ReconcilerOptions {
  /** Bookings whose next reminder is due within this are checked each pass. Default 24 h. */
  readonly bookingHorizonMs?: number;
  /** Most bookings checked per pass, soonest due first. Default 2,000. */
  readonly bookingLimit?: number;
  /** Most map cells checked per pass; the next pass goes on from there. Default 500. */
  readonly cellLimit?: number;
  /** A reminder due less than this long ago may be in flight, not missing. Default 5 s. */
  readonly graceMs?: number;
  /** How long a missing reminder or a cell's drift must last before it is repaired. Default 2 s. */
  readonly confirmDelayMs?: number;
  /** Only the spaces of these hosts (tests sharing one database); every space when absent. */
  readonly hostIds?: readonly string[];
}

export interface ReconcilerDeps {
  readonly live: LiveContext;
  /** Commands connection (reads the actors' reminder sets). */
  readonly redis: Redis;
  readonly actors: ActorClient;
  /** The actor runtime's key namespace and shard count, as the shard workers run with them. */
  readonly namespace: string;
  readonly shardCount: number;
  readonly metrics: ReconcileMetrics;
  readonly logger: Logger;
}

export interface PassReport {
  expired: number;
  rearmed: number;
  /** Spaces whose reminders could not be repaired this pass. */
  failed: number;
  cellsChecked: number;
  cellsRebuilt: number;
}

export class Reconciler {
  /** The last map cell checked (text order); the next pass starts after it, "" from the start. */
  private cellCursor = "";

  constructor(
    private readonly deps: ReconcilerDeps,
    private readonly options: ReconcilerOptions = {},
  ) {}

  async pass(): Promise<PassReport> {
    const { metrics } = this.deps;
    try {
      const report = await this.run();
      metrics.repairs.inc({ kind: "expired" }, report.expired);
      metrics.repairs.inc({ kind: "reminder_rearmed" }, report.rearmed);
      metrics.repairs.inc({ kind: "cell_rebuilt" }, report.cellsRebuilt);
      metrics.passes.inc({ outcome: "ok" });
      return report;
    } catch (error) {
      metrics.passes.inc({ outcome: "failed" });
      throw error;
    }
  }

  private async run(): Promise<PassReport> {
    const { live, redis, actors, logger } = this.deps;
    const o = this.options;
    const confirmDelayMs = o.confirmDelayMs ?? 2000;
    const scope = {
      namespace: this.deps.namespace,
      shardCount: this.deps.shardCount,
      horizonMs: o.bookingHorizonMs ?? 24 * 3_600_000,
      limit: o.bookingLimit ?? 2000,
      graceMs: o.graceMs ?? 5000,
      hostIds: o.hostIds,
    };
    let missing = await findMissingReminders(live.pool, redis, Date.now(), scope);
    if (missing.length > 0) {
      // Only what is still missing at a second look: an actor's commit lands in the ledger a moment
      // before its reminders land in Redis.
      await sleep(confirmDelayMs);
      const again = new Set(
        (await findMissingReminders(live.pool, redis, Date.now(), scope)).map(reminderId),
      );
      missing = missing.filter((m) => again.has(reminderId(m)));
    }
    const reminders = await repairReminders(actors, missing, logger, randomUUID());
    const cells = await this.nextCells(o.cellLimit ?? 500);
    const rebuilt = await repairCells(live, cells, { confirmDelayMs });
    const report: PassReport = {
      expired: reminders.expired,
      rearmed: reminders.rearmed,
      failed: reminders.failed,
      cellsChecked: cells.length,
      cellsRebuilt: rebuilt.length,
    };
    if (reminders.expired + reminders.rearmed + rebuilt.length + reminders.failed > 0) {
      logger.warn({ ...report, rebuilt }, "reconciliation repaired the ledger's view in Redis");
    }
    return report;
  }

  /** The next `limit` map cells that hold listings (any status), after the cursor, wrapping around. */
  private async nextCells(limit: number): Promise<string[]> {
    const { live } = this.deps;
    const { rows } = await live.pool.query<{ cell: string }>(
      `select distinct h3_cell collate "C" as cell from parking_spaces
        where h3_cell collate "C" > $1 and ($3::uuid[] is null or host_id = any($3::uuid[]))
        order by 1 limit $2`,
      [this.cellCursor, limit, this.options.hostIds ?? null],
    );
    this.cellCursor = rows.length < limit ? "" : rows[rows.length - 1]!.cell;
    return rows.map((r) => r.cell).filter((c) => isValidCell(c) && getResolution(c) === live.resolutions.map);
  }
}
