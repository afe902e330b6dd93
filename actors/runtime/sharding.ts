// Which shard an actor lives on: its H3 cell → parent cell at the shard resolution → one of a fixed
// number of shards, by a stable hash of that shard cell.
//
// Why a fixed number of shards rather than one shard per shard cell: the set of shards is then known
// to every worker up front, so placement is a pure function of (live workers, shard count), every shard
// has exactly one lease/mailbox/reminder set to watch, and a worker never has to discover which cells
// happen to hold spaces. Spaces of one shard cell still land on one shard (neighbours stay together),
// and many quiet cells share a shard, so idle cells cost nothing. Changing the shard count moves actors
// between shards, so it is a deployment decision (drain, then restart with the new count).
import { type CellResolutions, shardCellOf } from "../../src/geo/h3-cells.ts";

/** FNV-1a (32 bit): stable across processes, runtimes and restarts, unlike any built-in hash. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard of a shard cell (an H3 cell at the shard resolution). */
export function shardOfShardCell(shardCell: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new Error(`bad shard count ${shardCount}`);
  return fnv1a32(shardCell) % shardCount;
}

/** The shard of any cell at or finer than the shard resolution (e.g. a space's map cell). */
export function shardOfCell(cell: string, resolutions: CellResolutions, shardCount: number): number {
  return shardOfShardCell(shardCellOf(cell, resolutions), shardCount);
}
