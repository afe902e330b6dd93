// Recomputes the spaces of one map cell whose stored state has passed a boundary (see
// space-boundaries.ts) from the ledger at `now`, and publishes each new state only if the cell
// still holds what was read (a change published meanwhile by the space's actor is newer).
import { cellKeys } from "./cell-keys.ts";
import { loadCellsFromLedger } from "./cell-rebuild.ts";
import type { LiveContext } from "./live-context.ts";
import { refreshSpaceState } from "./publisher.ts";
import { boundaryOf, dueSpaces } from "./space-boundaries.ts";

export interface BoundaryRefresh {
  /** Deltas published for this cell. */
  published: number;
  /** Earliest boundary of the cell's spaces after the refresh; undefined when none is known. */
  next: number | undefined;
  /** Whether some space has no known boundary. */
  openEnded: boolean;
  /** Whether Redis holds the cell's state at all (a cell not built yet has nothing to refresh). */
  built: boolean;
}

export async function refreshCellBoundaries(
  live: LiveContext,
  cell: string,
  now: number,
  includeOpenEnded = false,
): Promise<BoundaryRefresh> {
  const keys = cellKeys(cell, live.resolutions);
  const [spaces, epoch] =
    (await live.redis.pipeline().hgetall(keys.spaces).hget(keys.meta, "epoch").exec()) ?? [];
  if (spaces?.[0] || epoch?.[0]) throw spaces?.[0] ?? epoch?.[0];
  const stored = (spaces?.[1] ?? {}) as Record<string, string>;
  const built = typeof epoch?.[1] === "string";
  const split = dueSpaces(
    Object.entries(stored).map(([id, json]) => ({ id, json })),
    now,
    includeOpenEnded,
  );
  if (split.due.length === 0) return { published: 0, next: split.next, openEnded: split.openEnded, built };
  const fresh = new Map(
    ((await loadCellsFromLedger(live.pool, [cell], new Date(now))).get(cell) ?? []).map((s) => [s.id, s]),
  );
  let published = 0;
  let { next, openEnded } = split;
  for (const seen of split.due) {
    // A space gone from the ledger's active listings is taken off the map by whoever deactivated it.
    const space = fresh.get(seen.id);
    if (space === undefined) continue;
    const result = await refreshSpaceState(live, cell, space, seen.json);
    if (result.outcome === "published") published += 1;
    const at = boundaryOf(space);
    if (at === undefined) openEnded = true;
    else if (next === undefined || at < next) next = at;
  }
  return { published, next, openEnded, built };
}
