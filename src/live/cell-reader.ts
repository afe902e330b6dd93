// Reading live cells for watchers: a snapshot, or exactly the deltas after a known position (or a
// snapshot when that position cannot be continued), and the aggregate counts of coarse cells.
// A cell or aggregate that Redis has no state for is rebuilt from the ledger first; one that holds
// no space is answered as empty (EMPTY_CELL_EPOCH, offset 0; counts of 0) and nothing is written.
import { cellToParent, getResolution } from "h3-js";
import { aggregateKeys, cellKeys } from "./cell-keys.ts";
import { type CellPosition, EMPTY_CELL_EPOCH, ensureCellBuilt, ensureCellsBuilt } from "./cell-rebuild.ts";
import type { LiveContext } from "./live-context.ts";
import { runLiveScript } from "./live-scripts.ts";

export type CellRead =
  | (CellPosition & { kind: "snapshot"; spaces: string[] })
  | (CellPosition & { kind: "deltas"; messages: string[] });

export interface AggregateCounts {
  cell: string;
  free: number;
  total: number;
  version: number;
}

/** What an empty cell reads as: nothing new for a watcher already at the empty position. */
function emptyRead(since?: CellPosition): CellRead {
  return since?.epoch === EMPTY_CELL_EPOCH && since.offset === 0
    ? { kind: "deltas", epoch: EMPTY_CELL_EPOCH, offset: 0, messages: [] }
    : { kind: "snapshot", epoch: EMPTY_CELL_EPOCH, offset: 0, spaces: [] };
}

export interface ReadCellOptions {
  /**
   * The ledger was read after the caller began listening to the cell's stream and the cell held no
   * space: a cell still without state is answered as empty without reading the ledger again (a
   * space appearing since then announces itself on the stream, and the caller reads again).
   */
  readonly emptyInLedger?: boolean;
}

/** Snapshot (no `since`) or the deltas after `since` (canonical JSON strings, ready for the wire). */
export async function readCell(
  live: LiveContext,
  cell: string,
  since?: CellPosition,
  options: ReadCellOptions = {},
): Promise<CellRead> {
  const keys = cellKeys(cell, live.resolutions);
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await runLiveScript(
      live.redis,
      "read-cell",
      [keys.meta, keys.spaces, keys.history],
      [since?.epoch ?? "", since?.offset ?? 0],
    );
    const [kind, epoch, offset, ...rest] = reply;
    if (kind === "missing") {
      if (options.emptyInLedger && attempt === 0) return emptyRead(since);
      if ((await ensureCellBuilt(live, cell)).empty) return emptyRead(since);
      continue;
    }
    const position = { epoch: String(epoch), offset: Number(offset) };
    const items = rest.map(String);
    return kind === "snapshot"
      ? { kind: "snapshot", ...position, spaces: items }
      : { kind: "deltas", ...position, messages: items };
  }
  throw new Error(`live cell ${cell}: state vanished while reading`);
}

/** Map cells (with active spaces in the ledger) under each of the aggregate cells, in one query. */
async function mapCellsUnder(live: LiveContext, aggregateCells: readonly string[]): Promise<string[]> {
  const wanted = new Set(aggregateCells);
  const shards = [...new Set(aggregateCells.map((c) => cellToParent(c, live.resolutions.shard)))];
  const { rows } = await live.pool.query<{ h3_cell: string }>(
    "select distinct h3_cell from parking_spaces where h3_shard_cell = any($1::text[]) and status = 'active'",
    [shards],
  );
  return rows
    .map((r) => r.h3_cell)
    .filter(
      (c) =>
        getResolution(c) === live.resolutions.map && wanted.has(cellToParent(c, live.resolutions.aggregate)),
    );
}

/**
 * Counts of free and all spaces under each aggregate cell (building its map cells when needed). An
 * aggregate with no space under it is not built (no key written): it reads 0 of 0 at version 0,
 * and a space appearing under it later announces itself with `aggregate_reset` on its stream.
 */
export async function readAggregates(
  live: LiveContext,
  cells: readonly string[],
): Promise<AggregateCounts[]> {
  const keys = cells.map((cell) => aggregateKeys(cell, live.resolutions));
  const built = await Promise.all(keys.map((k) => live.redis.exists(k.built)));
  const unbuilt = keys.filter((_, i) => !built[i]);
  if (unbuilt.length > 0) {
    const mapCells = await mapCellsUnder(
      live,
      unbuilt.map((k) => k.cell),
    );
    await ensureCellsBuilt(live, mapCells);
    const held = new Set(mapCells.map((c) => cellToParent(c, live.resolutions.aggregate)));
    await Promise.all(unbuilt.filter((k) => held.has(k.cell)).map((k) => live.redis.set(k.built, "1")));
  }
  return Promise.all(
    keys.map(async (k) => {
      const [free, total, version] = await live.redis.hmget(k.counts, "free", "total", "version");
      return {
        cell: k.cell,
        free: Number(free ?? 0),
        total: Number(total ?? 0),
        version: Number(version ?? 0),
      };
    }),
  );
}
