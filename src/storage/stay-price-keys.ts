// The stored price keys search walks in price order (migration 0004): for a ladder of stay lengths,
// each space's price for a stay of that length, indexed per price block (the first 10 hex digits of
// h3_cell). The price never decreases with the stay's length, so the key of the longest ladder
// length that fits in a window is a lower bound of the window's price for every space.
import type { CellRange } from "../geo/search-cells.ts";

/** Stay lengths (minutes) with a stored price key: parking_spaces.stay_price_<minutes>. */
export const STAY_PRICE_LADDER = [15, 30, 60, 120, 240, 480, 1440, 2880, 5760, 10080, 20160, 40320] as const;
export type LadderMinutes = (typeof STAY_PRICE_LADDER)[number];

/** Hex digits of h3_cell that make up parking_spaces.price_block. */
export const PRICE_BLOCK_DIGITS = 10;

/** The longest ladder length not past `durationMinutes`; null below the ladder's first step. */
export function ladderStepFor(durationMinutes: number): LadderMinutes | null {
  let step: LadderMinutes | null = null;
  for (const minutes of STAY_PRICE_LADDER) if (minutes <= durationMinutes) step = minutes;
  return step;
}

/** The stored key column of a ladder step (from the fixed ladder only, so safe to splice into SQL). */
export const stayPriceColumn = (minutes: LadderMinutes) => `stay_price_${minutes}`;

/**
 * The price blocks holding every cell of `ranges` (sorted, distinct), or null when there are more
 * than `max` (a wide radius: too many blocks to merge).
 */
export function priceBlocksOf(ranges: readonly CellRange[], max: number): string[] | null {
  const blocks = new Set<string>();
  for (const range of ranges) {
    const lo = Number.parseInt(range.lo.slice(0, PRICE_BLOCK_DIGITS), 16);
    const hi = Number.parseInt(range.hi.slice(0, PRICE_BLOCK_DIGITS), 16);
    if (hi - lo >= max) return null;
    for (let block = lo; block <= hi; block++) {
      blocks.add(block.toString(16).padStart(PRICE_BLOCK_DIGITS, "0"));
      if (blocks.size > max) return null;
    }
  }
  return [...blocks].sort();
}
