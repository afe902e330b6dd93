// The price walk's pure parts: the ladder step a window uses (its price bounds the window's from
// below), and the price blocks of a radius (they hold every cell the radius's ranges hold).
import fc from "fast-check";
import { latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import { priceForDuration } from "../../src/domain/index.ts";
import { searchCells } from "../../src/geo/search-cells.ts";
import {
  ladderStepFor,
  PRICE_BLOCK_DIGITS,
  priceBlocksOf,
  STAY_PRICE_LADDER,
} from "../../src/storage/stay-price-keys.ts";

describe("ladderStepFor", () => {
  it("is the longest ladder length within the window, and its price is at most the window's", () => {
    expect(ladderStepFor(14)).toBeNull();
    expect(ladderStepFor(15)).toBe(15);
    expect(ladderStepFor(119)).toBe(60);
    expect(ladderStepFor(120)).toBe(120);
    expect(ladderStepFor(31 * 1440)).toBe(40320);
    fc.assert(
      fc.property(
        fc.integer({ min: 15, max: 31 * 1440 }),
        fc.integer({ min: 0, max: 5_000 }),
        fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 500_000 }), { nil: null }),
        (minutes, hourly, daily, monthly) => {
          const step = ladderStepFor(minutes)!;
          expect(STAY_PRICE_LADDER).toContain(step);
          expect(step).toBeLessThanOrEqual(minutes);
          expect(STAY_PRICE_LADDER.filter((m) => m > step && m <= minutes)).toEqual([]);
          const rates = { hourly, daily, monthly };
          expect(priceForDuration(rates, step)).toBeLessThanOrEqual(priceForDuration(rates, minutes));
        },
      ),
    );
  });
});

describe("priceBlocksOf", () => {
  it("holds the block of every map cell in the ranges, or gives up past the limit", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -70, max: 70, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        fc.integer({ min: 50, max: 6_000 }),
        fc.array(
          fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })),
          {
            minLength: 10,
            maxLength: 10,
          },
        ),
        (lat, lng, radiusM, offsets) => {
          const { ranges } = searchCells(lat, lng, radiusM, 9);
          const blocks = priceBlocksOf(ranges, 128);
          if (blocks === null) return;
          expect(blocks.length).toBeLessThanOrEqual(128);
          expect([...blocks].sort()).toEqual(blocks);
          const degLat = radiusM / 111_320;
          for (const [dy, dx] of offsets) {
            const cell = latLngToCell(
              lat + dy! * degLat * 0.7,
              lng + (dx! * degLat * 0.7) / Math.cos((lat * Math.PI) / 180),
              9,
            );
            if (!ranges.some((r) => cell >= r.lo && cell <= r.hi)) continue;
            expect(blocks).toContain(cell.slice(0, PRICE_BLOCK_DIGITS));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("covers a 2 km radius with a few dozen blocks", () => {
    const blocks = priceBlocksOf(searchCells(40.4169, -3.7035, 2_000, 9).ranges, 128);
    expect(blocks).not.toBeNull();
    expect(blocks!.length).toBeGreaterThan(10);
    expect(blocks!.length).toBeLessThanOrEqual(64);
  });
});
