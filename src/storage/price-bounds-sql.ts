// Bounds of a window's price in SQL, so that search can order and pre-filter spaces by price in the
// database. They restate the domain's rule (src/domain/pricing.ts) for ordering only: search prices
// every result with priceWindow and treats these as bounds, never as the price. A property test
// (test/integration/search-price-bounds.test.ts) holds them to low ≤ priceForDuration ≤ high, and
// low equal to it (which keeps the price walk short).
import { MINUTES_PER_DAY, MINUTES_PER_MONTH, MONTHLY_MIN_MINUTES } from "../domain/pricing.ts";

/** The duration split the lower bound needs, as query parameters. */
export interface PriceBoundParams {
  readonly fullDays: number;
  readonly restMinutes: number;
  /** The minutes the monthly rate is prorated over: the duration, 28 days at least. */
  readonly monthMinutes: number;
}

export function priceBoundParams(durationMinutes: number): PriceBoundParams {
  const fullDays = Math.floor(durationMinutes / MINUTES_PER_DAY);
  return {
    fullDays,
    restMinutes: durationMinutes - fullDays * MINUTES_PER_DAY,
    monthMinutes: Math.max(durationMinutes, MONTHLY_MIN_MINUTES),
  };
}

type BoundParams = { fullDays: string; restMinutes: string; monthMinutes: string };

/** The short-stay price S(D) of pricing.ts: full days at min(24 × hourly, daily), the rest hourly per minute rounded up, capped at daily. */
function shortStaySql(alias: string, p: BoundParams) {
  const hourly = `${alias}.hourly_rate::bigint`;
  const daily = `${alias}.daily_rate::bigint`;
  // least() skips nulls: a missing daily rate caps nothing.
  const fullDay = `least(24 * ${hourly}, ${daily})`;
  const rest = `least((${hourly} * ${p.restMinutes}::bigint + 59) / 60, ${daily})`;
  return `(${p.fullDays}::bigint * ${fullDay} + ${rest})`;
}

/**
 * Lower bound (bigint) of the price of a stay for the rates of `alias` (hourly_rate, daily_rate,
 * monthly_rate): the short-stay price, or the prorated monthly rate when that is lower. Parameter
 * names hold PriceBoundParams.
 */
export function priceLowerBoundSql(alias: string, p: BoundParams) {
  const byMonth = `(${alias}.monthly_rate::bigint * ${p.monthMinutes}::bigint + ${MINUTES_PER_MONTH - 1}) / ${MINUTES_PER_MONTH}`;
  // A missing monthly rate caps nothing.
  return `least(${shortStaySql(alias, p)}, ${byMonth})`;
}

/** Upper bound (bigint) of the price of a stay: the short-stay price, which the monthly rate only lowers. */
export function priceUpperBoundSql(alias: string, p: BoundParams) {
  return shortStaySql(alias, p);
}
