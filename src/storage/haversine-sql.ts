// Great-circle distance in SQL: the same formula as haversineMeters (src/geo/distance.ts), so a
// radius filter in the database and the distances search shows agree to the last digit.
import { EARTH_RADIUS_M } from "../geo/distance.ts";

/** Haversine (float8 metres) from ($lat, $lng), given as SQL expressions, to `alias`.lat/lng. */
export const haversineSql = (
  alias: string,
  lat: string,
  lng: string,
) => `(2 * ${EARTH_RADIUS_M} * asin(least(1, sqrt(
    power(sin(radians(${alias}.lat - ${lat}) / 2), 2)
    + cos(radians(${lat})) * cos(radians(${alias}.lat)) * power(sin(radians(${alias}.lng - ${lng}) / 2), 2)))))`;
