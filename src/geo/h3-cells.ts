// H3 cells of the map and of the shards: a point's cell at the map resolution, and that cell's
// parent at the coarser shard resolution (the unit actors are sharded by).
import { cellToParent, getResolution, isValidCell, latLngToCell } from "h3-js";

export interface CellResolutions {
  map: number;
  shard: number;
}

export function mapCellOf(lat: number, lng: number, resolutions: CellResolutions): string {
  return latLngToCell(lat, lng, resolutions.map);
}

export function shardCellOf(cell: string, resolutions: CellResolutions): string {
  if (!isValidCell(cell)) throw new Error(`not an H3 cell: ${cell}`);
  const resolution = getResolution(cell);
  if (resolution < resolutions.shard) throw new Error(`cell ${cell} is coarser than the shard resolution`);
  return resolution === resolutions.shard ? cell : cellToParent(cell, resolutions.shard);
}

/** Both cells a space at (lat, lng) is indexed under. */
export function cellsOf(lat: number, lng: number, resolutions: CellResolutions) {
  const cell = mapCellOf(lat, lng, resolutions);
  return { cell, shardCell: shardCellOf(cell, resolutions) };
}
