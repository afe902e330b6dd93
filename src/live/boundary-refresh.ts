// Recomputes the spaces of map cells whose stored state has passed a boundary (see
// space-boundaries.ts) from the ledger at `now`, and publishes each new state only if the cell
// still holds what was read (a change published meanwhile by the space's actor is newer). Cells are
// read in one pipeline and the due ones' spaces in one ledger read, so a boundary many cells share
// (hours closing at 22:00) costs a few round trips, not a few per cell.
import { cellKeys } from "./cell-keys.ts";
import { loadCellsFromLedger } from "./cell-rebuild.ts";
import type { LiveContext } from "./live-context.ts";
import { refreshSpaceState } from "./publisher.ts";
import { boundaryOf, dueSpaces } from "./space-boundaries.ts";

export interface BoundaryRefresh {
  cell: string;
  /** Deltas published for this cell. */
  published: number;
  /** Earliest boundary of the cell's spaces after the refresh; undefined when none is known. */
  next: number | undefined;
  /** Whether some space has no known boundary. */
  openEnded: boolean;
  /** Whether Redis holds the cell's state at all (a cell not built yet has nothing to refresh). */
  built: boolean;
}

export interface BoundaryCheck {
  cell: string;
  /** Recompute the spaces without a known boundary too (their horizon moved). */
  includeOpenEnded?: boolean;
}

export async function refreshCellBoundaries(
  live: LiveContext,
  checks: readonly BoundaryCheck[],
  now: number,
): Promise<BoundaryRefresh[]> {
  if (checks.length === 0) return [];
  const pipeline = live.redis.pipeline();
  for (const { cell } of checks) {
    const keys = cellKeys(cell, live.resolutions);
    pipeline.hgetall(keys.spaces).hget(keys.meta, "epoch");
  }
  const replies = (await pipeline.exec()) ?? [];
  const splits = checks.map(({ cell, includeOpenEnded }, i) => {
    const [spacesError, spaces] = replies[2 * i] ?? [];
    const [epochError, epoch] = replies[2 * i + 1] ?? [];
    if (spacesError || epochError) throw spacesError ?? epochError;
    const stored = Object.entries((spaces ?? {}) as Record<string, string>).map(([id, json]) => ({
      id,
      json,
    }));
    return { cell, built: typeof epoch === "string", ...dueSpaces(stored, now, includeOpenEnded) };
  });
  const dueCells = splits.filter((s) => s.due.length > 0).map((s) => s.cell);
  const fresh = await loadCellsFromLedger(live.pool, dueCells, new Date(now));
  return Promise.all(
    splits.map(async ({ cell, built, due, next, openEnded }) => {
      const result: BoundaryRefresh = { cell, published: 0, next, openEnded, built };
      const ledger = new Map((fresh.get(cell) ?? []).map((s) => [s.id, s]));
      for (const seen of due) {
        // A space gone from the ledger's active listings is taken off the map by whoever deactivated it.
        const space = ledger.get(seen.id);
        if (space === undefined) continue;
        const publish = await refreshSpaceState(live, cell, space, seen.json);
        if (publish.outcome === "published") result.published += 1;
        const at = boundaryOf(space);
        if (at === undefined) result.openEnded = true;
        else if (result.next === undefined || at < result.next) result.next = at;
      }
      return result;
    }),
  );
}
