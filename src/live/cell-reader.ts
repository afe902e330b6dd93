// Reading live cells for watchers: a snapshot, or exactly the deltas after a known position (or a
// snapshot when that position cannot be continued), and the aggregate counts of coarse cells.
// A cell or aggregate that Redis has no state for is rebuilt from the ledger first.
import { cellToParent, getResolution } from "h3-js";
import { aggregateKeys, cellKeys } from "./cell-keys.ts";
import { type CellPosition, ensureCellBuilt, ensureCellsBuilt } from "./cell-rebuild.ts";
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

/** Snapshot (no `since`) or the deltas after `since` (canonical JSON strings, ready for the wire). */
export async function readCell(live: LiveContext, cell: string, since?: CellPosition): Promise<CellRead> {
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
      await ensureCellBuilt(live, cell);
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

/** Counts of free and all spaces under each aggregate cell (building its map cells when needed). */
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
    await Promise.all(unbuilt.map((k) => live.redis.set(k.built, "1")));
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
