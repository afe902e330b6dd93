// Pricing of a booking window: worked examples of each rule, and properties (monotone in duration,
// capped by the daily rate per started day, fee + earnings = total at the configured fee, no
// floating-point drift).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import {
  MAX_PRICED_MINUTES,
  MONTHLY_MIN_MINUTES,
  priceForDuration,
  priceWindow,
  type SpaceRates,
  splitPlatformFee,
} from "../../src/domain/index.ts";

const HOUR = 60;
const DAY = 24 * HOUR;

describe("priceForDuration", () => {
  const rates: SpaceRates = { hourly: 250, daily: 1500, monthly: 20_000 };

  it("prorates the hourly rate per minute, rounding up to the minor unit", () => {
    expect(priceForDuration(rates, 60)).toBe(250);
    expect(priceForDuration(rates, 90)).toBe(375);
    expect(priceForDuration(rates, 61)).toBe(255); // 254.17 → 255
    expect(priceForDuration({ hourly: 1, daily: null, monthly: null }, 1)).toBe(1);
    expect(priceForDuration(rates, 0)).toBe(0);
  });

  it("caps each 24 h block at the daily rate", () => {
    expect(priceForDuration(rates, 6 * HOUR)).toBe(1500);
    expect(priceForDuration(rates, 10 * HOUR)).toBe(1500);
    expect(priceForDuration(rates, DAY + 2 * HOUR)).toBe(1500 + 500);
    expect(priceForDuration(rates, 3 * DAY)).toBe(4500);
  });

  it("without a daily rate, a day costs 24 hours", () => {
    expect(priceForDuration({ hourly: 250, daily: null, monthly: null }, 2 * DAY + 30)).toBe(2 * 6000 + 125);
  });

  it("charges stays of 28+ days the monthly rate prorated over a 30-day month", () => {
    expect(priceForDuration(rates, 30 * DAY)).toBe(20_000);
    expect(priceForDuration(rates, 45 * DAY)).toBe(30_000);
    expect(priceForDuration(rates, 28 * DAY)).toBe(18_667); // 20 000 × 28 / 30 = 18 666.67 → 18 667
    expect(priceForDuration(rates, 31 * DAY + 1)).toBe(Math.ceil((20_000 * (31 * DAY + 1)) / (30 * DAY)));
  });

  it("never charges a shorter stay more than a 28-day one", () => {
    expect(priceForDuration(rates, 27 * DAY)).toBe(18_667);
    expect(priceForDuration(rates, 12 * DAY)).toBe(12 * 1500);
  });

  it("ignores a monthly rate above the daily-capped price", () => {
    expect(priceForDuration({ hourly: 100, daily: 1000, monthly: 90_000 }, 40 * DAY)).toBe(40_000);
  });

  it("refuses fractional or negative durations and non-integer rates", () => {
    expect(() => priceForDuration(rates, 1.5)).toThrow(RangeError);
    expect(() => priceForDuration(rates, -1)).toThrow(RangeError);
    expect(() => priceForDuration(rates, MAX_PRICED_MINUTES + 1)).toThrow(RangeError);
    expect(() => priceForDuration({ hourly: 2.5, daily: null, monthly: null }, 60)).toThrow(RangeError);
    expect(() => priceForDuration({ hourly: -1, daily: null, monthly: null }, 60)).toThrow(RangeError);
  });
});

describe("splitPlatformFee and priceWindow", () => {
  it("takes the fee in basis points, rounded half up, and gives the host the rest", () => {
    expect(splitPlatformFee(1000, 1500)).toEqual({ platformFee: 150, hostEarnings: 850 });
    expect(splitPlatformFee(1003, 1500)).toEqual({ platformFee: 150, hostEarnings: 853 }); // 150.45
    expect(splitPlatformFee(1010, 1250)).toEqual({ platformFee: 126, hostEarnings: 884 }); // 126.25
    expect(splitPlatformFee(1004, 1250)).toEqual({ platformFee: 126, hostEarnings: 878 }); // 125.5 → 126
    expect(splitPlatformFee(999, 0)).toEqual({ platformFee: 0, hostEarnings: 999 });
    expect(splitPlatformFee(999, 10_000)).toEqual({ platformFee: 999, hostEarnings: 0 });
    expect(() => splitPlatformFee(100, 10_001)).toThrow(RangeError);
    expect(() => splitPlatformFee(100, 12.5)).toThrow(RangeError);
  });

  it("prices a window by its elapsed minutes, across a DST night too", () => {
    const rates = { hourly: 300, daily: 2000, monthly: null };
    // Madrid, 2026-03-28 20:00 → 2026-03-29 08:00 local: 11 hours elapsed, not 12.
    const window = { start: Date.parse("2026-03-28T19:00Z"), end: Date.parse("2026-03-29T06:00Z") };
    expect(priceWindow(rates, window, 1000)).toEqual({
      durationMinutes: 660,
      total: 2000,
      platformFee: 200,
      hostEarnings: 1800,
    });
    expect(priceWindow(rates, { start: 0, end: 45 * 60_000 }, 1000).total).toBe(225);
    expect(() => priceWindow(rates, { start: 0, end: 90_000 }, 1000)).toThrow(RangeError);
    expect(() => priceWindow(rates, { start: 60_000, end: 60_000 }, 1000)).toThrow(RangeError);
  });
});

describe("pricing properties", () => {
  const rate = fc.integer({ min: 0, max: 2_147_483_647 });
  const smallRate = fc.integer({ min: 0, max: 100_000 });
  const ratesArb = fc.record({
    hourly: fc.oneof(smallRate, rate),
    daily: fc.option(fc.oneof(smallRate, rate), { nil: null }),
    monthly: fc.option(
      fc.oneof(
        smallRate.map((x) => x * 20),
        rate,
      ),
      { nil: null },
    ),
  });
  const duration = fc.oneof(
    fc.integer({ min: 0, max: 3 * DAY }),
    fc.integer({ min: MONTHLY_MIN_MINUTES - 2 * DAY, max: MONTHLY_MIN_MINUTES + 2 * DAY }),
    fc.integer({ min: 0, max: MAX_PRICED_MINUTES }),
  );

  it("is a safe integer, monotone non-decreasing in duration", () => {
    fc.assert(
      fc.property(ratesArb, duration, duration, (rates, a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a];
        const p = priceForDuration(rates, shorter);
        const q = priceForDuration(rates, longer);
        expect(Number.isSafeInteger(p) && Number.isSafeInteger(q)).toBe(true);
        expect(p).toBeLessThanOrEqual(q);
        expect(priceForDuration(rates, longer === 0 ? 0 : longer - 1)).toBeLessThanOrEqual(q);
      }),
      { numRuns: 2000 },
    );
  });

  it("never exceeds the daily rate per started day nor the hourly rate over the whole stay", () => {
    fc.assert(
      fc.property(ratesArb, duration, (rates, minutes) => {
        const price = BigInt(priceForDuration(rates, minutes));
        const startedDays = BigInt(Math.ceil(minutes / DAY));
        if (rates.daily !== null) expect(price <= startedDays * BigInt(rates.daily)).toBe(true);
        const hourlyExact = BigInt(rates.hourly) * BigInt(minutes);
        // Each started day rounds up at most one minor unit.
        expect(price * 60n <= hourlyExact + 60n * startedDays).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("splits a total into fee + earnings exactly, with the fee rounded half up", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 1_000_000 }),
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        ),
        fc.integer({ min: 0, max: 10_000 }),
        (total, bps) => {
          const { platformFee, hostEarnings } = splitPlatformFee(total, bps);
          expect(platformFee + hostEarnings).toBe(total);
          expect(platformFee).toBeGreaterThanOrEqual(0);
          expect(hostEarnings).toBeGreaterThanOrEqual(0);
          const exact = (BigInt(total) * BigInt(bps) * 2n + 10_000n) / 20_000n; // round half up
          expect(BigInt(platformFee)).toBe(exact);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("splits every priced window at the configured fee (PLATFORM_FEE_BASIS_POINTS, 10 % by default)", () => {
    const { PLATFORM_FEE_BASIS_POINTS } = loadConfig({ NODE_ENV: "test" });
    expect(PLATFORM_FEE_BASIS_POINTS).toBe(1000);
    expect(() => loadConfig({ NODE_ENV: "test", PLATFORM_FEE_BASIS_POINTS: "10001" })).toThrow(
      /PLATFORM_FEE_BASIS_POINTS/,
    );
    fc.assert(
      fc.property(ratesArb, fc.integer({ min: 1, max: MAX_PRICED_MINUTES }), (rates, minutes) => {
        const start = Date.parse("2027-01-01T00:00Z");
        const price = priceWindow(rates, { start, end: start + minutes * 60_000 }, PLATFORM_FEE_BASIS_POINTS);
        expect(price.platformFee + price.hostEarnings).toBe(price.total);
        expect(price.platformFee).toBe(splitPlatformFee(price.total, PLATFORM_FEE_BASIS_POINTS).platformFee);
        expect(BigInt(price.platformFee) * 10n).toBeLessThanOrEqual(BigInt(price.total) + 5n);
      }),
      { numRuns: 1000 },
    );
  });
});
