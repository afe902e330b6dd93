// The publish contract of live availability: what the space actor calls after it has committed a
// change to PostgreSQL. One atomic script bumps the cell's offset, updates its state, appends to its
// history and publishes; a cell that Redis has no state for is rebuilt from the ledger instead
// (which already holds the committed change), under a new epoch.
import { latLngToCell } from "h3-js";
import { cellKeys } from "./cell-keys.ts";
import { type CellPosition, ensureCellBuilt } from "./cell-rebuild.ts";
import type { LiveContext } from "./live-context.ts";
import { runLiveScript } from "./live-scripts.ts";
import { encodeSpaceLiveState, type SpaceLiveState, spaceLiveStateSchema } from "./space-live-state.ts";

export type PublishResult = CellPosition & {
  /**
   * published: a delta went out; unchanged: same state as before, nothing sent; rebuilt: cell rebuilt
   * from the ledger; unbuilt: the cell has no state and nobody needs it yet, or holds no space any
   * more (epoch "", offset 0).
   */
  outcome: "published" | "unchanged" | "rebuilt" | "unbuilt";
};

export interface PublishOptions {
  /**
   * What a cell with no state gets. rebuild (the default): built from the ledger at once. leave: left
   * to its first reader (a snapshot or an aggregate read builds it from the ledger, which already
   * holds the change, and the bumped miss counter makes a rebuild that is reading meanwhile read
   * again); built at once only when its aggregate parent is built, whose counts must include it.
   */
  readonly unbuilt?: "rebuild" | "leave";
}

async function apply(
  live: LiveContext,
  cell: string,
  spaceId: string,
  state: string,
  json: string,
  seen = "",
  options: PublishOptions = {},
): Promise<PublishResult> {
  const keys = cellKeys(cell, live.resolutions);
  const [code, epoch, offset] = await runLiveScript(
    live.redis,
    "apply-space-change",
    [
      keys.meta,
      keys.spaces,
      keys.history,
      keys.missed,
      keys.aggregate.counts,
      ...(options.unbuilt === "leave" ? [keys.aggregate.built] : []),
    ],
    [
      cell,
      spaceId,
      state,
      json,
      live.historyLength,
      keys.channel,
      keys.aggregate.channel,
      keys.aggregateCell,
      seen,
    ],
  );
  if (code === -2) return { epoch: "", offset: 0, outcome: "unbuilt" };
  if (code === -1) {
    const position = await ensureCellBuilt(live, cell);
    // The ledger holds no space there any more (the last one left): nothing to build.
    if (position.empty) return { epoch: "", offset: 0, outcome: "unbuilt" };
    return { epoch: position.epoch, offset: position.offset, outcome: "rebuilt" };
  }
  return { epoch: String(epoch), offset: Number(offset), outcome: code === 1 ? "published" : "unchanged" };
}

/**
 * Publishes a space's new live state to its map cell (call after the change is committed).
 * `cell` must be the space's h3_cell (its point's cell at H3_MAP_RESOLUTION).
 */
export async function publishSpaceChange(
  live: LiveContext,
  cell: string,
  space: SpaceLiveState,
  options: PublishOptions = {},
): Promise<PublishResult> {
  const valid = spaceLiveStateSchema.parse(space);
  const expected = latLngToCell(valid.lat, valid.lng, live.resolutions.map);
  if (expected !== cell) throw new Error(`space ${valid.id} lies in cell ${expected}, not ${cell}`);
  return apply(live, cell, valid.id, valid.state, encodeSpaceLiveState(valid), "", options);
}

/**
 * Takes a space off a cell's map (listing deactivated or deleted, or moved to another cell); a
 * no-op when the cell does not hold it. Call after the change is committed.
 */
export function removeSpaceFromCell(
  live: LiveContext,
  cell: string,
  spaceId: string,
  options: PublishOptions = {},
): Promise<PublishResult> {
  return apply(live, cell, spaceId, "", "", "", options);
}

/**
 * Publishes a space's state recomputed outside its actor (a schedule boundary passed) only if the
 * cell still holds `seen` for it: a change its actor published meanwhile is newer and stays.
 */
export function refreshSpaceState(
  live: LiveContext,
  cell: string,
  space: SpaceLiveState,
  seen: string,
): Promise<PublishResult> {
  const valid = spaceLiveStateSchema.parse(space);
  return apply(live, cell, valid.id, valid.state, encodeSpaceLiveState(valid), seen);
}
