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

/**
 * Lower bound (bigint) of the price of a stay for the rates of `alias` (hourly_rate, daily_rate,
 * monthly_rate): full days at min(24 × hourly, daily), the rest hourly per minute rounded up and
 * capped at daily, the whole at most the prorated monthly rate. Parameter names hold PriceBoundParams.
 */
export function priceLowerBoundSql(
  alias: string,
  p: { fullDays: string; restMinutes: string; monthMinutes: string },
) {
  const hourly = `${alias}.hourly_rate::bigint`;
  const daily = `${alias}.daily_rate::bigint`;
  // least() skips nulls: a missing daily or monthly rate caps nothing.
  const fullDay = `least(24 * ${hourly}, ${daily})`;
  const rest = `least((${hourly} * ${p.restMinutes}::bigint + 59) / 60, ${daily})`;
  const shortStay = `(${p.fullDays}::bigint * ${fullDay} + ${rest})`;
  const byMonth = `(${alias}.monthly_rate::bigint * ${p.monthMinutes}::bigint + ${MINUTES_PER_MONTH - 1}) / ${MINUTES_PER_MONTH}`;
  return `least(${shortStay}, ${byMonth})`;
}

/**
 * Upper bound (bigint) of the price of a stay of `durationMinutes` (a parameter name): the hourly
 * rate prorated over the whole stay, rounded up, which the daily and monthly caps only lower.
 */
export function priceUpperBoundSql(alias: string, durationMinutes: string) {
  return `((${alias}.hourly_rate::bigint * ${durationMinutes}::bigint + 59) / 60)`;
}
