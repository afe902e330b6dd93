// The H3 cells a radius search reads: a grid disk around the point, pruned to the cells that can
// hold a point within the radius, at the finest resolution whose disk stays small. A coarse cell
// becomes the range [lo, hi] of its map-resolution descendants' indexes (parking_spaces.h3_cell).
import { cellToLatLng, edgeLength, gridDisk, latLngToCell, originToDirectedEdges, UNITS } from "h3-js";
import { haversineMeters } from "./distance.ts";

/** Inclusive range of map-resolution cell indexes (15 lowercase hex digits, comparable as "C" text). */
export interface CellRange {
  readonly lo: string;
  readonly hi: string;
}

/** A cell's range with bounds on how far from the searched point the cell's points can be. */
export interface NearCellRange extends CellRange {
  /** No point of the cell is nearer than this (metres). */
  readonly nearestM: number;
  /** No point of the cell is farther than this (metres). */
  readonly farthestM: number;
}

export interface SearchCells {
  /** Resolution of the disk the ranges were built from. */
  readonly resolution: number;
  readonly ringCount: number;
  /** Nearest first. */
  readonly ranges: readonly NearCellRange[];
}

/** Largest disk (before pruning) worth scanning; past it a coarser resolution is used. */
const MAX_DISK_CELLS = 600;
/** H3 cells of one area differ a little in size: edges within a disk stay within these factors of the origin's. */
const EDGE_SHRINK = 0.85;
const EDGE_GROW = 1.2;

const diskSize = (k: number) => 3 * k * (k + 1) + 1;

/**
 * The cell ranges that hold every map-resolution cell containing a point within `radiusM` metres of
 * (lat, lng). On a hex grid with edge e, cell centres k rings away are at least 1.5·k·e apart, and a
 * point lies within e of its cell's centre, so k = ⌈(r + 2e) / 1.5e⌉ rings cover the radius (edges
 * taken from the origin cell, with margins for H3's size variation, plus one ring).
 */
export function searchCells(lat: number, lng: number, radiusM: number, mapResolution: number): SearchCells {
  for (let resolution = mapResolution; ; resolution--) {
    const origin = latLngToCell(lat, lng, resolution);
    const edges = originToDirectedEdges(origin).map((edge) => edgeLength(edge, UNITS.m));
    const shortest = Math.min(...edges) * EDGE_SHRINK;
    const longest = Math.max(...edges) * EDGE_GROW;
    const rings = Math.ceil((radiusM + 2 * longest) / (1.5 * shortest)) + 1;
    if (diskSize(rings) > MAX_DISK_CELLS && resolution > 0) continue;
    // A cell's points lie within `longest` of its centre (a hexagon's circumradius is its edge).
    const ranges: NearCellRange[] = [];
    for (const cell of gridDisk(origin, rings)) {
      const [cellLat, cellLng] = cellToLatLng(cell);
      const centreM = haversineMeters(lat, lng, cellLat, cellLng);
      if (centreM - longest <= radiusM) {
        ranges.push({
          ...descendantRange(cell, resolution, mapResolution),
          nearestM: Math.max(0, centreM - longest),
          farthestM: centreM + longest,
        });
      }
    }
    ranges.sort((a, b) => a.nearestM - b.nearestM || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    return { resolution, ringCount: rings, ranges };
  }
}

const RESOLUTION_SHIFT = 52n;
const DIGIT_BITS = 3n;

/**
 * Index range of the descendants of `cell` (at `resolution`) at `mapResolution`: the resolution
 * field set to the map resolution, the digits below the cell's resolution from 0 (lo) to 7 (hi).
 * Digits past the map resolution are 7 in every cell of that resolution.
 */
export function descendantRange(cell: string, resolution: number, mapResolution: number): CellRange {
  if (resolution === mapResolution) return { lo: cell, hi: cell };
  let index = BigInt(`0x${cell}`);
  index = (index & ~(0xfn << RESOLUTION_SHIFT)) | (BigInt(mapResolution) << RESOLUTION_SHIFT);
  let lo = index;
  for (let digit = resolution + 1; digit <= mapResolution; digit++) {
    lo &= ~(7n << (BigInt(15 - digit) * DIGIT_BITS));
  }
  return { lo: lo.toString(16), hi: index.toString(16) };
}
