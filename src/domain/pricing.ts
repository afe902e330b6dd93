// Price of a booking window in integer minor units, and its split into platform fee and host
// earnings. Integer arithmetic only (every intermediate stays a safe integer), so no drift.
//
// The rule. A stay lasts D elapsed minutes (end − start: a night across a DST change is charged for
// the hours that actually pass).
//  1. Hourly, per minute: m minutes cost ceil(hourly × m / 60). Prorated per minute, rounded up to
//     the next minor unit, so the driver pays at most one minor unit above the exact amount.
//  2. Daily cap: the stay is cut into 24 h blocks counted from its start. A full block costs
//     min(24 × hourly, daily); the last, partial block costs min(its rule-1 price, daily). This is
//     the short-stay price S(D).
//  3. Monthly: a stay of 28 days or more costs ceil(monthly × D / 43 200) — the monthly rate is for a
//     30-day month (43 200 minutes), prorated per minute, rounded up — when that is below S(D).
//     A stay shorter than 28 days never costs more than a 28-day stay would:
//         price(D) = min(S(D), ceil(monthly × max(D, 40 320) / 43 200))
//     Without that cap a 27-day stay could cost more than a 28-day one. With no monthly rate,
//     price(D) = S(D); with no daily rate, blocks are not capped.
// So the price never decreases as the stay gets longer, and never exceeds the daily rate times the
// number of started days, nor the hourly rate prorated over the whole stay.
//
// Platform fee: total × basisPoints / 10 000, rounded half up to the minor unit; host earnings are
// the rest (total − fee), so fee + earnings = total exactly.
import type { Interval } from "./intervals.ts";
import { MS_PER_MINUTE } from "./intervals.ts";

/** A space's rates in minor units of its currency (parking_spaces.hourly_rate / daily_rate / monthly_rate). */
export interface SpaceRates {
  readonly hourly: number;
  readonly daily: number | null;
  readonly monthly: number | null;
}

export interface PriceBreakdown {
  readonly durationMinutes: number;
  readonly total: number;
  readonly platformFee: number;
  readonly hostEarnings: number;
}

export const MINUTES_PER_DAY = 1440;
/** The month the monthly rate is quoted for. */
export const MINUTES_PER_MONTH = 30 * MINUTES_PER_DAY;
/** Stays at least this long are priced by the month. */
export const MONTHLY_MIN_MINUTES = 28 * MINUTES_PER_DAY;
/** Longest stay priced (a year and a day): keeps every product a safe integer. */
export const MAX_PRICED_MINUTES = 366 * MINUTES_PER_DAY;

/** Total price of a stay of `durationMinutes` (integer, 0 … MAX_PRICED_MINUTES), in minor units. */
export function priceForDuration(rates: SpaceRates, durationMinutes: number): number {
  assertRates(rates);
  if (!Number.isSafeInteger(durationMinutes) || durationMinutes < 0 || durationMinutes > MAX_PRICED_MINUTES) {
    throw new RangeError(`duration must be an integer number of minutes in [0, ${MAX_PRICED_MINUTES}]`);
  }
  const { hourly, daily, monthly } = rates;
  const fullDay = daily === null ? 24 * hourly : Math.min(24 * hourly, daily);
  const fullDays = Math.floor(durationMinutes / MINUTES_PER_DAY);
  const restMinutes = durationMinutes - fullDays * MINUTES_PER_DAY;
  let rest = ceilDiv(hourly * restMinutes, 60);
  if (daily !== null && rest > daily) rest = daily;
  const shortStay = fullDays * fullDay + rest;
  if (monthly === null) return shortStay;
  const byMonth = ceilDiv(monthly * Math.max(durationMinutes, MONTHLY_MIN_MINUTES), MINUTES_PER_MONTH);
  return Math.min(shortStay, byMonth);
}

/** Splits a total into the platform fee (basis points, rounded half up) and the host's earnings. */
export function splitPlatformFee(
  total: number,
  feeBasisPoints: number,
): { platformFee: number; hostEarnings: number } {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError("total must be a non-negative integer");
  if (!Number.isInteger(feeBasisPoints) || feeBasisPoints < 0 || feeBasisPoints > 10_000) {
    throw new RangeError("fee must be an integer number of basis points in [0, 10000]");
  }
  // total × bps / 10 000 without a product that could leave the safe-integer range.
  const wholeUnits = Math.floor(total / 10_000);
  const remainder = total - wholeUnits * 10_000;
  const platformFee = wholeUnits * feeBasisPoints + Math.floor((remainder * feeBasisPoints + 5_000) / 10_000);
  return { platformFee, hostEarnings: total - platformFee };
}

/** Price of a booking window (whole minutes, end > start) with its fee split. */
export function priceWindow(rates: SpaceRates, window: Interval, feeBasisPoints: number): PriceBreakdown {
  const elapsed = window.end - window.start;
  if (!(elapsed > 0) || elapsed % MS_PER_MINUTE !== 0) {
    throw new RangeError("a priced window must last a positive whole number of minutes");
  }
  const durationMinutes = elapsed / MS_PER_MINUTE;
  const total = priceForDuration(rates, durationMinutes);
  return { durationMinutes, total, ...splitPlatformFee(total, feeBasisPoints) };
}

/** Rates fit parking_spaces' integer columns; anything else is a caller bug. */
function assertRates(rates: SpaceRates): void {
  if (
    !isRate(rates.hourly) ||
    (rates.daily !== null && !isRate(rates.daily)) ||
    (rates.monthly !== null && !isRate(rates.monthly))
  ) {
    throw new RangeError("rates must be integers in [0, 2147483647] minor units");
  }
}

function isRate(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 2_147_483_647;
}

function ceilDiv(numerator: number, denominator: number): number {
  const remainder = numerator % denominator;
  return (numerator - remainder) / denominator + (remainder > 0 ? 1 : 0);
}
