// Great-circle distance (haversine on the mean Earth radius) and the latitude/longitude box that
// holds every point within a radius: the exact filter and the cheap prefilter of a radius search.

/** IUGG mean Earth radius in metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Haversine distance in metres. The SQL search computes the same formula (see search-repository.ts). */
export function haversineMeters(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface LatLngBox {
  minLat: number;
  maxLat: number;
  /** null when the box would wrap around the antimeridian or reach a pole: no longitude bound. */
  minLng: number | null;
  maxLng: number | null;
}

/** A box holding every point within `radiusM` of (lat, lng), with a small safety margin. */
export function boxAround(lat: number, lng: number, radiusM: number): LatLngBox {
  const dLat = (radiusM / EARTH_RADIUS_M / RAD) * 1.001 + 1e-7;
  const minLat = lat - dLat;
  const maxLat = lat + dLat;
  if (minLat <= -90 || maxLat >= 90) {
    return { minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90), minLng: null, maxLng: null };
  }
  const widest = Math.cos(Math.max(Math.abs(minLat), Math.abs(maxLat)) * RAD);
  const dLng = dLat / widest;
  if (lng - dLng <= -180 || lng + dLng >= 180) return { minLat, maxLat, minLng: null, maxLng: null };
  return { minLat, maxLat, minLng: lng - dLng, maxLng: lng + dLng };
}
