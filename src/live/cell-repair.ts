// Finds live cells whose state in Redis disagrees with the ledger (cell-drift.ts) and rebuilds them
// from PostgreSQL under a new epoch, so watchers re-snapshot (docs/protocol.md). A cell is rebuilt
// only when the drift is seen twice, `confirmDelayMs` apart (a publish on its way after a commit, a
// boundary the ticker is about to refresh, are not drift), and only if the cell has not moved
// since it was read (a delta published meanwhile is newer than the comparison). Cells Redis holds
// no state for are left alone: their first reader builds them from the ledger.
import { setTimeout as sleep } from "node:timers/promises";
import { cellDrift } from "./cell-drift.ts";
import { cellKeys } from "./cell-keys.ts";
import { loadCellsFromLedger, newEpoch } from "./cell-rebuild.ts";
import type { LiveContext } from "./live-context.ts";
import { runLiveScript } from "./live-scripts.ts";
import { encodeSpaceLiveState, type SpaceLiveState } from "./space-live-state.ts";

interface BuiltCell {
  cell: string;
  epoch: string;
  offset: number;
  stored: Map<string, string>;
}

/** The cells of `cells` that Redis holds state for, with their position and spaces (one pipeline). */
async function readBuilt(live: LiveContext, cells: readonly string[]): Promise<BuiltCell[]> {
  if (cells.length === 0) return [];
  const pipeline = live.redis.pipeline();
  for (const cell of cells) {
    const keys = cellKeys(cell, live.resolutions);
    pipeline.hmget(keys.meta, "epoch", "offset").hgetall(keys.spaces);
  }
  const replies = (await pipeline.exec()) ?? [];
  const built: BuiltCell[] = [];
  cells.forEach((cell, i) => {
    const [metaError, meta] = replies[2 * i] ?? [];
    const [spacesError, spaces] = replies[2 * i + 1] ?? [];
    if (metaError || spacesError) throw metaError ?? spacesError;
    const [epoch, offset] = meta as [string | null, string | null];
    if (!epoch) return;
    built.push({
      cell,
      epoch,
      offset: Number(offset ?? 0),
      stored: new Map(Object.entries((spaces ?? {}) as Record<string, string>)),
    });
  });
  return built;
}

/** The built cells among `cells` that disagree with the ledger now, with the ledger's state of each. */
async function drifted(live: LiveContext, cells: readonly string[]) {
  const built = await readBuilt(live, cells);
  if (built.length === 0) return [];
  const now = new Date();
  const truth = await loadCellsFromLedger(
    live.pool,
    built.map((b) => b.cell),
    now,
  );
  return built.flatMap((b) => {
    const spaces = truth.get(b.cell) ?? [];
    return cellDrift(b.stored, spaces, now.getTime()).length > 0 ? [{ ...b, spaces }] : [];
  });
}

/** Installs the ledger's state of a cell read at `seen`; false when it moved on or is gone. */
async function rebuild(live: LiveContext, seen: BuiltCell, spaces: readonly SpaceLiveState[]) {
  const keys = cellKeys(seen.cell, live.resolutions);
  const [code] = await runLiveScript(
    live.redis,
    "rebuild-cell",
    [keys.meta, keys.spaces, keys.history, keys.aggregate.counts],
    [
      seen.cell,
      seen.epoch,
      seen.offset,
      newEpoch(),
      keys.channel,
      keys.aggregate.channel,
      keys.aggregateCell,
      spaces.filter((s) => s.state === "available").length,
      spaces.length,
      ...spaces.flatMap((s) => [s.id, encodeSpaceLiveState(s)]),
    ],
  );
  return Number(code) !== 0;
}

export interface CellRepairOptions {
  /** How long a drift must last to be repaired (the second look). Default 2 s. */
  readonly confirmDelayMs?: number;
}

/** Checks `cells` (map cells) and rebuilds those whose drift lasts; returns the rebuilt ones. */
export async function repairCells(
  live: LiveContext,
  cells: readonly string[],
  options: CellRepairOptions = {},
): Promise<string[]> {
  const first = await drifted(live, cells);
  if (first.length === 0) return [];
  await sleep(options.confirmDelayMs ?? 2000);
  const second = await drifted(
    live,
    first.map((d) => d.cell),
  );
  const rebuilt: string[] = [];
  for (const d of second) if (await rebuild(live, d, d.spaces)) rebuilt.push(d.cell);
  return rebuilt;
}
