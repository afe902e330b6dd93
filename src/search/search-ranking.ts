// Pure ranking of search candidates: whether a space may be booked for the window (the domain's
// checkWindow, so search and the space actor never disagree), what the window costs, and the total
// orders results are listed in (stable: ties broken by distance, then id).
import { checkWindow, type Interval, type PriceBreakdown, priceWindow } from "../domain/index.ts";
import type { SpaceForWindow } from "../storage/search-repository.ts";
import type { SortKey } from "./search-cursor.ts";
import type { SortOrder } from "./search-request.ts";

/**
 * The window's price when the space may be booked for all of it at `now` (schedule, exceptions,
 * buffers around slot-holding bookings, notice, duration limits) and the price is within
 * `maxPrice`; otherwise null. A space whose stored rules the domain refuses (e.g. a time zone this
 * runtime does not know) is never bookable.
 */
export function quoteWindow(
  space: Pick<SpaceForWindow, "rules" | "taken" | "hourly" | "daily" | "monthly">,
  window: Interval,
  now: number,
  feeBasisPoints: number,
  maxPrice: number | null,
  horizonDays?: number,
): PriceBreakdown | null {
  try {
    if (!checkWindow(space.rules, space.taken, window, now, horizonDays).ok) return null;
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
  const price = priceWindow(space, window, feeBasisPoints);
  return maxPrice !== null && price.total > maxPrice ? null : price;
}

/** The key of a result in the given order. */
export function sortKeyOf(sort: SortOrder, item: { id: string; distanceM: number; total: number }): SortKey {
  return { price: sort === "price" ? item.total : null, distanceM: item.distanceM, id: item.id };
}

/** Total order: price (when sorting by price), then distance, then id. */
export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.price !== null && b.price !== null && a.price !== b.price) return a.price - b.price;
  if (a.distanceM !== b.distanceM) return a.distanceM - b.distanceM;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
