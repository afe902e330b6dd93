// The H3 cells a radius search reads: a grid disk around the point, pruned to the cells that can
// hold a point within the radius, at the finest resolution whose disk stays small. A coarse cell
// becomes the range [lo, hi] of its map-resolution descendants' indexes (parking_spaces.h3_cell).
import {
  cellToLatLng,
  edgeLength,
  getResolution,
  gridDisk,
  latLngToCell,
  originToDirectedEdges,
  UNITS,
} from "h3-js";
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
    const { shortest, longest } = edgesOf(origin);
    const rings = Math.ceil((radiusM + 2 * longest) / (1.5 * shortest)) + 1;
    if (diskSize(rings) > MAX_DISK_CELLS && resolution > 0) continue;
    // A cell's points lie within `longest` of its centre (a hexagon's circumradius is its edge).
    const disk = diskOf(origin, rings, mapResolution);
    const ranges: NearCellRange[] = [];
    for (let i = 0; i < disk.ranges.length; i++) {
      const centreM = haversineMeters(lat, lng, disk.centres[2 * i]!, disk.centres[2 * i + 1]!);
      if (centreM - longest <= radiusM) {
        const range = disk.ranges[i]!;
        ranges.push({
          lo: range.lo,
          hi: range.hi,
          nearestM: Math.max(0, centreM - longest),
          farthestM: centreM + longest,
        });
      }
    }
    ranges.sort((a, b) => a.nearestM - b.nearestM || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    return { resolution, ringCount: rings, ranges };
  }
}

/**
 * The geometry that depends only on the origin cell (edge lengths, the disk's cells with their
 * centres and ranges) is kept per process: nearby searches start from the same few cells, and
 * h3-js calls for a disk of ~470 cells cost more than the rest of the covering. Bounded: cleared
 * when full.
 */
const MAX_CACHED_DISKS = 512;
const MAX_CACHED_EDGES = 4_096;
/** Neighbouring origins' disks share most cells: their centres are kept apart from the disks. */
const MAX_CACHED_CENTRES = 200_000;

interface Disk {
  readonly ranges: readonly CellRange[];
  /** lat, lng of each cell's centre, in the order of `ranges`. */
  readonly centres: Float64Array;
}

const edgeCache = new Map<string, { shortest: number; longest: number }>();
const diskCache = new Map<string, Disk>();
const centreCache = new Map<string, [number, number]>();

function centreOf(cell: string): [number, number] {
  let centre = centreCache.get(cell);
  if (centre === undefined) {
    centre = cellToLatLng(cell) as [number, number];
    if (centreCache.size >= MAX_CACHED_CENTRES) centreCache.clear();
    centreCache.set(cell, centre);
  }
  return centre;
}

function edgesOf(origin: string): { shortest: number; longest: number } {
  let edges = edgeCache.get(origin);
  if (edges === undefined) {
    const lengths = originToDirectedEdges(origin).map((edge) => edgeLength(edge, UNITS.m));
    edges = { shortest: Math.min(...lengths) * EDGE_SHRINK, longest: Math.max(...lengths) * EDGE_GROW };
    if (edgeCache.size >= MAX_CACHED_EDGES) edgeCache.clear();
    edgeCache.set(origin, edges);
  }
  return edges;
}

function diskOf(origin: string, rings: number, mapResolution: number): Disk {
  const key = `${origin}/${rings}/${mapResolution}`;
  let disk = diskCache.get(key);
  if (disk === undefined) {
    const resolution = getResolution(origin);
    const cells = gridDisk(origin, rings);
    const centres = new Float64Array(cells.length * 2);
    cells.forEach((cell, i) => {
      const [cellLat, cellLng] = centreOf(cell);
      centres[2 * i] = cellLat;
      centres[2 * i + 1] = cellLng;
    });
    disk = { ranges: cells.map((cell) => descendantRange(cell, resolution, mapResolution)), centres };
    if (diskCache.size >= MAX_CACHED_DISKS) diskCache.clear();
    diskCache.set(key, disk);
  }
  return disk;
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
