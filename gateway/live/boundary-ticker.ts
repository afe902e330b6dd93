// Pushes time-driven changes of the cells this gateway watches: a space's hours opening or closing
// reaches no actor, so every tick the ticker recomputes (from the ledger) the spaces of watched
// cells whose stored state passed its boundary (`freeUntil` / `nextFreeAt`) and publishes them
// through the same cell stream as any change. It remembers each cell's earliest boundary, lowered
// by the deltas the broker hears, so a tick reads only cells that are due. Several gateways
// watching one cell publish once: the publish is conditional on the state they read.
import {
  type BoundaryCheck,
  type BoundaryRefresh,
  boundaryOf,
  type LiveContext,
  refreshCellBoundaries,
} from "../../src/live/index.ts";
import type { Logger } from "../../src/logger.ts";

/** Cells read per pipeline and ledger query. */
const BATCH = 200;

/** Spaces without a known boundary (closed beyond the horizon) are recomputed this often. */
export const OPEN_ENDED_RECHECK_MS = 3_600_000;

export interface BoundaryTickerOptions {
  live: LiveContext;
  /** The map cells watched in this process now. */
  watchedCells: () => Iterable<string>;
  logger: Logger;
  intervalMs: number;
  /** Wall clock (epoch ms); tests move it. */
  now?: () => number;
}

interface CellDue {
  /** Earliest instant the cell must be read again (a boundary, or the open-ended re-check). */
  at: number;
  /** When spaces without a boundary are recomputed next; undefined when the cell has none. */
  openEndedAt: number | undefined;
}

export class BoundaryTicker {
  private readonly due = new Map<string, CellDue>();
  /** Cells being read now, with the earliest boundary heard in deltas meanwhile (newer than the read). */
  private readonly reading = new Map<string, number>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: BoundaryTickerOptions) {
    this.now = options.now ?? Date.now;
  }

  start() {
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop() {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** A delta heard for `cell`: its space's boundary may come before what the cell was due at. */
  onDelta(cell: string, space: unknown) {
    const known = this.due.get(cell);
    const reading = this.reading.get(cell);
    if (known === undefined && reading === undefined) return;
    let at: number | undefined;
    try {
      at = boundaryOf(space as Parameters<typeof boundaryOf>[0]);
    } catch {
      at = undefined;
    }
    // A removal or an unreadable state: read the cell again on the next tick.
    if (at === undefined || Number.isNaN(at)) at = this.now();
    if (known !== undefined && at < known.at) known.at = at;
    if (reading !== undefined && at < reading) this.reading.set(cell, at);
  }

  /** The cell was rebuilt or lost: read it again on the next tick (also when it is being read now). */
  onReset(cell: string) {
    this.due.delete(cell);
    if (this.reading.has(cell)) this.reading.set(cell, this.now());
  }

  /** The cross-process feed was interrupted (deltas may be lost): read every watched cell again. */
  forgetAll() {
    this.due.clear();
  }

  /** One pass over the watched cells (skipped while the previous one still runs). */
  tick(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass() {
    const now = this.now();
    const watched = new Set(this.options.watchedCells());
    for (const cell of this.due.keys()) if (!watched.has(cell)) this.due.delete(cell);
    const checks: BoundaryCheck[] = [];
    for (const cell of watched) {
      const known = this.due.get(cell);
      if (known !== undefined && known.at > now) continue;
      checks.push({ cell, includeOpenEnded: known?.openEndedAt !== undefined && known.openEndedAt <= now });
    }
    for (let i = 0; i < checks.length; i += BATCH) {
      const batch = checks.slice(i, i + BATCH);
      for (const { cell } of batch) this.reading.set(cell, Number.POSITIVE_INFINITY);
      try {
        for (const result of await refreshCellBoundaries(this.options.live, batch, now)) {
          // Not built (empty, or its first reader builds it): nothing to tick until its build
          // announces itself (cell_reset).
          if (result.built) this.remember(result, now);
          else
            this.due.set(result.cell, {
              at: this.reading.get(result.cell) ?? Infinity,
              openEndedAt: undefined,
            });
        }
      } catch (error) {
        this.options.logger.warn({ err: error, cells: batch.length }, "live: boundary refresh failed");
      } finally {
        for (const { cell } of batch) this.reading.delete(cell);
      }
    }
  }

  private remember(result: BoundaryRefresh, now: number) {
    const known = this.due.get(result.cell);
    let openEndedAt: number | undefined;
    if (result.openEnded) {
      const rechecked = known?.openEndedAt === undefined || known.openEndedAt <= now;
      openEndedAt = rechecked ? now + OPEN_ENDED_RECHECK_MS : known.openEndedAt;
    }
    const at = Math.min(
      result.next ?? Number.POSITIVE_INFINITY,
      openEndedAt ?? Number.POSITIVE_INFINITY,
      this.reading.get(result.cell) ?? Number.POSITIVE_INFINITY,
    );
    this.due.set(result.cell, { at, openEndedAt });
  }
}
