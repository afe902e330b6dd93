// /api/v1/search: spaces bookable for a window near a point (GET with a query string, POST with the
// same fields as a JSON body), spaces free right now, search-box suggestions and popular places.
// Public: no account needed to look.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { cellToLatLng } from "h3-js";
import { boxAround } from "../../../src/geo/distance.ts";
import {
  numberParam,
  SEARCH_LIMITS,
  searchBodySchema,
  searchQuerySchema,
  toSearchRequest,
} from "../../../src/search/search-request.ts";
import { nearbyRequest, SpaceSearch } from "../../../src/search/search-service.ts";
import { popularPlaces, suggestPlaces } from "../../../src/storage/place-discovery-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { anyone, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { nulFree } from "../text-fields.ts";

const tags = ["search"];
const location = z.object({ lat: z.number(), lng: z.number() });

const SearchResultSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    address: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), country: z.string() }),
    location,
    distanceM: z.number().openapi({ description: "Great-circle distance from the searched point (m)" }),
    spaceType: z.string(),
    spaceSize: z.string(),
    bookingMode: z.string(),
    amenities: z.array(z.string()),
    rates: z.object({
      currency: z.string(),
      hourly: z.number().int(),
      daily: z.number().int().nullable(),
      monthly: z.number().int().nullable(),
    }),
    price: z
      .object({
        currency: z.string(),
        durationMinutes: z.number().int(),
        total: z.number().int(),
        platformFee: z.number().int(),
        hostEarnings: z.number().int(),
      })
      .openapi({ description: "The whole window's price in minor units" }),
  })
  .openapi("SearchResult");

const SearchPageSchema = z
  .object({
    results: z.array(SearchResultSchema),
    nextCursor: z.string().nullable(),
    window: z.object({ start: z.string(), end: z.string() }),
    sort: z.enum(["distance", "price"]),
  })
  .openapi("SearchPage");

const searchDescription =
  "Spaces within radiusM metres (default 2000, at most 50 km) that can be booked for the whole window " +
  "[start, end) right now (opening hours in the space's time zone, date exceptions, buffers around holds " +
  "and bookings, minimum notice, duration limits), with the window's total price. Window: whole minutes, " +
  "15 minutes to 31 days, not in the past. maxPrice caps the total (minor units). spaceType and amenities " +
  "filter (a space needs every amenity listed). sort=distance|price; limit 1-100 (default 20); pass " +
  "nextCursor back as cursor for the next page (with the same search fields).";

const getSpaces = createRoute({
  method: "get",
  path: "/search/spaces",
  operationId: "searchSpaces",
  security: anyone,
  tags,
  summary: "Search spaces bookable for a window near a point",
  description: `${searchDescription} In the query string, lists are comma-separated.`,
  request: { query: searchQuerySchema },
  responses: { 200: jsonResponse(SearchPageSchema, "A page of results"), 400: errorResponses[400] },
});

const postSpaces = createRoute({
  method: "post",
  path: "/search/spaces",
  operationId: "searchSpacesByBody",
  security: anyone,
  tags,
  summary: "Search spaces bookable for a window near a point (fields as a JSON body)",
  description: searchDescription,
  request: { body: jsonBody(searchBodySchema) },
  responses: { 200: jsonResponse(SearchPageSchema, "A page of results"), 400: errorResponses[400] },
});

const nearbyQuery = z.strictObject({
  lat: numberParam(z.number().min(-90).max(90)),
  lng: numberParam(z.number().min(-180).max(180)),
  radiusM: numberParam(z.number().int().min(1).max(5_000)).optional(),
  limit: numberParam(z.number().int().min(1).max(50)).optional(),
});

const getNearby = createRoute({
  method: "get",
  path: "/search/nearby",
  operationId: "searchNearby",
  security: anyone,
  tags,
  summary: "Spaces free right now (the next hour) near a point, nearest first",
  description: "radiusM defaults to 1000 (at most 5000); limit defaults to 20 (at most 50).",
  request: { query: nearbyQuery },
  responses: { 200: jsonResponse(SearchPageSchema, "Free spaces"), 400: errorResponses[400] },
});

const SuggestionSchema = z
  .object({
    kind: z.enum(["city", "space", "address"]),
    text: z.string(),
    spaces: z.number().int(),
    spaceId: z.uuid().nullable(),
    location,
  })
  .openapi("Suggestion");

const getSuggestions = createRoute({
  method: "get",
  path: "/search/suggestions",
  operationId: "searchSuggestions",
  security: anyone,
  tags,
  summary: "Search-box suggestions: cities starting with q, then space titles and addresses containing it",
  request: {
    query: z.strictObject({
      q: nulFree().trim().min(2).max(100),
      limit: numberParam(z.number().int().min(1).max(20)).optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ suggestions: z.array(SuggestionSchema) }), "Suggestions, best first"),
    400: errorResponses[400],
  },
});

const PopularSchema = z
  .object({
    since: z.string(),
    cells: z.array(
      z.object({ cell: z.string(), location, bookings: z.number().int(), spaces: z.number().int() }),
    ),
    spaces: z.array(
      z.object({
        id: z.uuid(),
        title: z.string(),
        city: z.string(),
        location,
        h3Cell: z.string(),
        bookings: z.number().int(),
      }),
    ),
  })
  .openapi("Popular");

const popularQuery = z
  .strictObject({
    days: numberParam(z.number().int().min(1).max(90)).optional(),
    limit: numberParam(z.number().int().min(1).max(50)).optional(),
    lat: numberParam(z.number().min(-90).max(90)).optional(),
    lng: numberParam(z.number().min(-180).max(180)).optional(),
    radiusM: numberParam(z.number().int().min(1).max(SEARCH_LIMITS.maxRadiusM)).optional(),
  })
  .refine((q) => (q.lat === undefined) === (q.lng === undefined), {
    message: "give lat and lng together",
    path: ["lng"],
  })
  .refine((q) => q.radiusM === undefined || q.lat !== undefined, {
    message: "radiusM needs lat and lng",
    path: ["radiusM"],
  });

const getPopular = createRoute({
  method: "get",
  path: "/search/popular",
  operationId: "popularPlaces",
  security: anyone,
  tags,
  summary:
    "Map cells and spaces with the most bookings over the last days (default 30), optionally near a point",
  request: { query: popularQuery },
  responses: { 200: jsonResponse(PopularSchema, "Most booked first"), 400: errorResponses[400] },
});

const DAY_MS = 24 * 60 * 60 * 1000;

export function searchRoutes({ pool, searchPool, config }: AppDeps) {
  const search = new SpaceSearch(searchPool, {
    feeBasisPoints: config.PLATFORM_FEE_BASIS_POINTS,
    horizonDays: config.BOOKING_HORIZON_DAYS,
    mapResolution: config.H3_MAP_RESOLUTION,
  });
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(getSpaces, async (c) => {
      const now = Date.now();
      return c.json(await search.search(toSearchRequest(c.req.valid("query"), now), now), 200);
    })
    .openapi(postSpaces, async (c) => {
      const now = Date.now();
      return c.json(await search.search(toSearchRequest(c.req.valid("json"), now), now), 200);
    })
    .openapi(getNearby, async (c) => {
      const { lat, lng, radiusM = 1_000, limit = 20 } = c.req.valid("query");
      const now = Date.now();
      return c.json(await search.search(nearbyRequest({ lat, lng, radiusM, limit }, now), now), 200);
    })
    .openapi(getSuggestions, async (c) => {
      const { q, limit = 8 } = c.req.valid("query");
      return c.json({ suggestions: await suggestPlaces(pool, q, limit) }, 200);
    })
    .openapi(getPopular, async (c) => {
      const { days = 30, limit = 10, lat, lng, radiusM = 10_000 } = c.req.valid("query");
      const since = new Date(Date.now() - days * DAY_MS);
      const box = lat === undefined || lng === undefined ? null : boxAround(lat, lng, radiusM);
      const popular = await popularPlaces(pool, since, limit, box);
      return c.json(
        {
          since: since.toISOString(),
          cells: popular.cells.map((cell) => {
            const [cellLat, cellLng] = cellToLatLng(cell.cell);
            return { ...cell, location: { lat: cellLat, lng: cellLng } };
          }),
          spaces: popular.spaces,
        },
        200,
      );
    });
}
