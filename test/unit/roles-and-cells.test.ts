// Pure rules: who holds which role, and which H3 cells a point is indexed under.
import { cellToParent, getResolution, latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import { hasAnyRole, rolesForSignup } from "../../src/domain/roles.ts";
import { cellsOf, shardCellOf } from "../../src/geo/h3-cells.ts";

describe("roles", () => {
  it("a host signs up as driver and host; a driver as driver", () => {
    expect(rolesForSignup("host")).toEqual(["driver", "host"]);
    expect(rolesForSignup("driver")).toEqual(["driver"]);
  });

  it("admin satisfies any role; others need one of the required", () => {
    expect(hasAnyRole(["admin"], ["host"])).toBe(true);
    expect(hasAnyRole(["driver"], ["host"])).toBe(false);
    expect(hasAnyRole(["driver", "host"], ["host", "admin"])).toBe(true);
  });
});

describe("H3 cells", () => {
  const resolutions = { map: 9, shard: 5 };

  it("indexes a point at the map resolution and its parent at the shard resolution", () => {
    const { cell, shardCell } = cellsOf(40.4168, -3.7038, resolutions);
    expect(cell).toBe(latLngToCell(40.4168, -3.7038, 9));
    expect(getResolution(shardCell)).toBe(5);
    expect(shardCell).toBe(cellToParent(cell, 5));
  });

  it("neighbouring points share a shard cell; distant cities do not", () => {
    const a = cellsOf(40.4168, -3.7038, resolutions);
    const b = cellsOf(40.4175, -3.7045, resolutions);
    const barcelona = cellsOf(41.3874, 2.1686, resolutions);
    expect(a.shardCell).toBe(b.shardCell);
    expect(barcelona.shardCell).not.toBe(a.shardCell);
  });

  it("refuses what is not a cell, or is coarser than a shard", () => {
    expect(() => shardCellOf("not-a-cell", resolutions)).toThrow();
    expect(() => shardCellOf(latLngToCell(40.4, -3.7, 3), resolutions)).toThrow(/coarser/);
  });
});
