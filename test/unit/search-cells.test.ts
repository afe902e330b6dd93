// The cells a radius search reads cover the radius: every point within it falls in a cell whose
// index lies in one of the ranges, at any latitude, radius and map resolution; and the ranges stay few.
import fc from "fast-check";
import { cellToParent, latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import { boxAround, EARTH_RADIUS_M, haversineMeters } from "../../src/geo/distance.ts";
import { descendantRange, searchCells } from "../../src/geo/search-cells.ts";

/** The point `distanceM` metres from (lat, lng) on initial bearing `bearing` (radians). */
function destination(lat: number, lng: number, distanceM: number, bearing: number) {
  const rad = Math.PI / 180;
  const d = distanceM / EARTH_RADIUS_M;
  const lat1 = lat * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing));
  const lng2 =
    lng * rad +
    Math.atan2(
      Math.sin(bearing) * Math.sin(d) * Math.cos(lat1),
      Math.cos(d) - Math.sin(lat1) * Math.sin(lat2),
    );
  return { lat: lat2 / rad, lng: ((((lng2 / rad + 540) % 360) + 360) % 360) - 180 };
}

const inRanges = (cell: string, ranges: readonly { lo: string; hi: string }[]) =>
  ranges.some((r) => cell >= r.lo && cell <= r.hi);

describe("searchCells", () => {
  it("covers every point within the radius", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -80, max: 80, noNaN: true }),
        fc.double({ min: -179.9, max: 179.9, noNaN: true }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.constantFrom(7, 8, 9, 10),
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 1, noNaN: true }),
            fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
          ),
          {
            minLength: 20,
            maxLength: 20,
          },
        ),
        (lat, lng, radiusM, mapResolution, points) => {
          const { ranges } = searchCells(lat, lng, radiusM, mapResolution);
          for (const [fraction, bearing] of [...points, [1, 0], [1, Math.PI / 2], [1, Math.PI], [1, 4.71]]) {
            const p = destination(lat, lng, radiusM * fraction! * 0.999_999, bearing!);
            const cell = latLngToCell(p.lat, p.lng, mapResolution);
            if (!inRanges(cell, ranges)) return false;
          }
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps a 2 km search in Madrid to a few hundred index ranges at most", () => {
    const cells = searchCells(40.4168, -3.7038, 2_000, 9);
    expect(cells.ranges.length).toBeGreaterThan(50);
    expect(cells.ranges.length).toBeLessThan(400);
    const wide = searchCells(40.4168, -3.7038, 50_000, 9);
    expect(wide.resolution).toBeLessThan(9);
    expect(wide.ranges.length).toBeLessThan(600);
  });

  it("a coarse cell's range holds exactly its descendants among nearby cells", () => {
    const parent = latLngToCell(40.4168, -3.7038, 6);
    const range = descendantRange(parent, 6, 9);
    for (let i = 0; i < 400; i++) {
      const cell = latLngToCell(40.3 + i * 0.0007, -3.8 + i * 0.0006, 9);
      expect(cell >= range.lo && cell <= range.hi).toBe(cellToParent(cell, 6) === parent);
    }
  });
});

describe("boxAround", () => {
  it("holds the whole circle, and gives up longitude bounds across the antimeridian and near poles", () => {
    const box = boxAround(40, -3, 5_000);
    for (let b = 0; b < 2 * Math.PI; b += 0.1) {
      const p = destination(40, -3, 5_000, b);
      expect(p.lat).toBeGreaterThanOrEqual(box.minLat);
      expect(p.lat).toBeLessThanOrEqual(box.maxLat);
      expect(p.lng).toBeGreaterThanOrEqual(box.minLng!);
      expect(p.lng).toBeLessThanOrEqual(box.maxLng!);
      expect(haversineMeters(40, -3, p.lat, p.lng)).toBeCloseTo(5_000, 3);
    }
    expect(boxAround(10, 179.99, 5_000).minLng).toBeNull();
    expect(boxAround(89.99, 0, 5_000).minLng).toBeNull();
  });
});
