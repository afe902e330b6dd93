// The Redis key layout of live cell state, built by pure functions (unit-tested without Redis).
// Every key and shard channel of one map cell, and of its aggregate parent, carries the hash tag of
// the cell's shard cell, so one atomic script touches one Redis Cluster slot.
import { cellToParent, getResolution, isValidCell } from "h3-js";
import { type CellResolutions, shardCellOf } from "../geo/h3-cells.ts";

export interface LiveResolutions extends CellResolutions {
  /** Resolution of the per-cell counts (free / total) shown when zoomed out. */
  aggregate: number;
}

export interface CellKeys {
  cell: string;
  meta: string;
  spaces: string;
  history: string;
  missed: string;
  channel: string;
  aggregateCell: string;
  aggregate: AggregateKeys;
}

export interface AggregateKeys {
  cell: string;
  counts: string;
  built: string;
  channel: string;
}

export function liveTag(shardCell: string): string {
  return `{live:${shardCell}}`;
}

export function assertMapCell(cell: string, resolutions: LiveResolutions): void {
  if (!isValidCell(cell) || getResolution(cell) !== resolutions.map) {
    throw new Error(`not an H3 cell at the map resolution ${resolutions.map}: ${cell}`);
  }
}

export function aggregateKeys(aggregateCell: string, resolutions: LiveResolutions): AggregateKeys {
  if (!isValidCell(aggregateCell) || getResolution(aggregateCell) !== resolutions.aggregate) {
    throw new Error(`not an H3 cell at the aggregate resolution ${resolutions.aggregate}: ${aggregateCell}`);
  }
  const prefix = `${liveTag(shardCellOf(aggregateCell, resolutions))}:agg:${aggregateCell}`;
  return {
    cell: aggregateCell,
    counts: `${prefix}:counts`,
    built: `${prefix}:built`,
    channel: `${prefix}:changes`,
  };
}

export function cellKeys(cell: string, resolutions: LiveResolutions): CellKeys {
  assertMapCell(cell, resolutions);
  const prefix = `${liveTag(shardCellOf(cell, resolutions))}:cell:${cell}`;
  const aggregateCell = cellToParent(cell, resolutions.aggregate);
  return {
    cell,
    meta: `${prefix}:meta`,
    spaces: `${prefix}:spaces`,
    history: `${prefix}:history`,
    missed: `${prefix}:missed`,
    channel: `${prefix}:changes`,
    aggregateCell,
    aggregate: aggregateKeys(aggregateCell, resolutions),
  };
}

/** Which kind of live stream a channel carries, and for which cell (for the broker's routing). */
export function parseLiveChannel(channel: string): { kind: "cell" | "aggregate"; cell: string } | undefined {
  const match = /^\{live:[0-9a-f]+\}:(cell|agg):([0-9a-f]+):changes$/.exec(channel);
  if (!match) return undefined;
  return { kind: match[1] === "cell" ? "cell" : "aggregate", cell: match[2]! };
}
