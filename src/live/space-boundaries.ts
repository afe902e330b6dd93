// Pure: when a space's map state changes by itself with time. An `available` space stops being free
// at `freeUntil` (its hours close or a booking starts); any other state may end at `nextFreeAt` (its
// hours open, a booking or hold ends). Those instants are the boundaries a cell's stored states
// must be recomputed at, even when no command reaches the space's actor (hours opening and closing).
import type { SpaceLiveState } from "./space-live-state.ts";

/** The instant (epoch ms) the state may change by itself; undefined when none is known. */
export function boundaryOf(
  space: Pick<SpaceLiveState, "state" | "freeUntil" | "nextFreeAt">,
): number | undefined {
  const at = space.state === "available" ? space.freeUntil : space.nextFreeAt;
  return at === undefined ? undefined : Date.parse(at);
}

export interface StoredSpace {
  id: string;
  /** The canonical JSON the cell holds for the space. */
  json: string;
}

export interface DueSpaces {
  /** Spaces whose boundary has passed (and, with `includeOpenEnded`, those without one). */
  due: StoredSpace[];
  /** Earliest boundary among the other spaces; undefined when none has one. */
  next: number | undefined;
  /** Whether some space has no known boundary (re-checked now and then: its horizon moves). */
  openEnded: boolean;
}

/** Splits a cell's stored spaces into those due for a recompute at `now` and the earliest next boundary. */
export function dueSpaces(stored: readonly StoredSpace[], now: number, includeOpenEnded = false): DueSpaces {
  const due: StoredSpace[] = [];
  let next: number | undefined;
  let openEnded = false;
  for (const space of stored) {
    let at: number | undefined;
    try {
      at = boundaryOf(JSON.parse(space.json) as SpaceLiveState);
    } catch {
      at = Number.NaN;
    }
    if (at === undefined) {
      openEnded = true;
      if (includeOpenEnded) due.push(space);
    } else if (!(at > now)) {
      // Passed, or unreadable (NaN): recompute it from the ledger.
      due.push(space);
    } else if (next === undefined || at < next) {
      next = at;
    }
  }
  return { due, next, openEnded };
}
