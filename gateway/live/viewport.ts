// Pure: which H3 cells a map viewport needs at a zoom. Zoomed in, the map cells (single spaces);
// zoomed out, the coarser aggregate cells (free / total counts). Cells overlapping the viewport
// count, so spaces at its edges show; a viewport crossing the antimeridian is split in two.
import { getHexagonAreaAvg, POLYGON_TO_CELLS_FLAGS, polygonToCellsExperimental, UNITS } from "h3-js";
import type { LiveResolutions } from "../../src/live/cell-keys.ts";
import type { Viewport } from "./protocol.ts";

export interface ViewportPlan {
  mode: "spaces" | "aggregate";
  resolution: number;
  cells: string[];
}

export type ViewportResult = { ok: true; plan: ViewportPlan } | { ok: false; reason: string };

const EARTH_KM_PER_DEGREE = 111.32;

function boxes(v: Viewport): Array<[number, number, number, number]> {
  // [south, west, north, east]
  return v.west <= v.east
    ? [[v.south, v.west, v.north, v.east]]
    : [
        [v.south, v.west, v.north, 180],
        [v.south, -180, v.north, v.east],
      ];
}

function approximateAreaKm2(v: Viewport): number {
  const midLat = ((v.north + v.south) / 2) * (Math.PI / 180);
  return boxes(v).reduce((sum, [s, w, n, e]) => {
    const height = (n - s) * EARTH_KM_PER_DEGREE;
    const width = (e - w) * EARTH_KM_PER_DEGREE * Math.max(Math.cos(midLat), 0.01);
    return sum + height * width;
  }, 0);
}

export function planViewport(
  viewport: Viewport,
  zoom: number,
  resolutions: LiveResolutions,
  options: { spacesMinZoom: number; maxCells: number },
): ViewportResult {
  const mode = zoom >= options.spacesMinZoom ? "spaces" : "aggregate";
  const resolution = mode === "spaces" ? resolutions.map : resolutions.aggregate;
  const estimate = approximateAreaKm2(viewport) / getHexagonAreaAvg(resolution, UNITS.km2);
  if (estimate > options.maxCells * 2) {
    return { ok: false, reason: `viewport needs about ${Math.round(estimate)} cells; zoom in` };
  }
  const cells = new Set<string>();
  for (const [s, w, n, e] of boxes(viewport)) {
    const ring = [
      [s, w],
      [n, w],
      [n, e],
      [s, e],
    ];
    for (const c of polygonToCellsExperimental(
      ring,
      resolution,
      POLYGON_TO_CELLS_FLAGS.containmentOverlapping,
    )) {
      cells.add(c);
    }
  }
  if (cells.size > options.maxCells) {
    return { ok: false, reason: `viewport needs ${cells.size} cells (at most ${options.maxCells}); zoom in` };
  }
  return { ok: true, plan: { mode, resolution, cells: [...cells] } };
}
