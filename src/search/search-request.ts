// What a space search asks for, as the HTTP boundary accepts it (a query string or a strict JSON
// body) and as the search runs it (instants in epoch ms, lists normalized), with the limits that
// keep one search cheap.
import { z } from "zod";
import { MS_PER_MINUTE } from "../domain/index.ts";
import { errors } from "../errors.ts";

export const SEARCH_LIMITS = {
  defaultRadiusM: 2_000,
  maxRadiusM: 50_000,
  minWindowMinutes: 15,
  /** Long enough for a monthly stay (28 days and more), short enough to evaluate quickly. */
  maxWindowMinutes: 31 * 24 * 60,
  /** How far ahead a window may start. */
  maxLeadMs: 366 * 24 * 60 * MS_PER_MINUTE,
  /** A window may start this much before now (clocks differ); min notice decides the rest. */
  pastSlackMs: 5 * MS_PER_MINUTE,
  defaultLimit: 20,
  maxLimit: 100,
  maxPrice: 2_147_483_647,
} as const;

export const spaceTypes = ["garage", "driveway", "lot", "street", "covered", "underground"] as const;
export const sortOrders = ["distance", "price"] as const;
export type SpaceType = (typeof spaceTypes)[number];
export type SortOrder = (typeof sortOrders)[number];

const spaceTypeSchema = z.enum(spaceTypes);
/** Amenity codes as stored in space_amenities; an unknown one simply matches no space. */
const amenitySchema = z.string().regex(/^[a-z0-9_]{1,40}$/, "must be an amenity code such as ev_charging");
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const radius = z.number().int().min(1).max(SEARCH_LIMITS.maxRadiusM);
const instant = z.iso.datetime({ offset: true });
const limit = z.number().int().min(1).max(SEARCH_LIMITS.maxLimit);
const price = z.number().int().min(0).max(SEARCH_LIMITS.maxPrice);
const spaceTypeList = z.array(spaceTypeSchema).min(1).max(spaceTypes.length);
const amenityList = z.array(amenitySchema).min(1).max(20);
const cursor = z.string().min(1).max(512);

/** POST /search/spaces body. */
export const searchBodySchema = z.strictObject({
  lat: latitude,
  lng: longitude,
  radiusM: radius.default(SEARCH_LIMITS.defaultRadiusM),
  start: instant,
  end: instant,
  maxPrice: price.optional(),
  spaceType: z.union([spaceTypeSchema, spaceTypeList]).optional(),
  amenities: amenityList.optional(),
  sort: z.enum(sortOrders).default("distance"),
  limit: limit.default(SEARCH_LIMITS.defaultLimit),
  cursor: cursor.optional(),
});

/** A query-string number: digits only (no "", no "1e3", no "0x10"), then the numeric rule. */
export const numberParam = <T extends z.ZodType<unknown, number>>(rule: T) =>
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, "must be a number")
    .transform(Number)
    .pipe(rule);

/** A query-string list: comma-separated and/or repeated parameters. */
const listParam = <T extends z.ZodType<unknown, string[]>>(list: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value]).flatMap((part) => part.split(",")).filter((v) => v !== ""),
    )
    .pipe(list);

/** GET /search/spaces query string: the same fields as the body. */
export const searchQuerySchema = z.strictObject({
  lat: numberParam(latitude),
  lng: numberParam(longitude),
  radiusM: numberParam(radius).optional(),
  start: instant,
  end: instant,
  maxPrice: numberParam(price).optional(),
  spaceType: listParam(spaceTypeList).optional(),
  amenities: listParam(amenityList).optional(),
  sort: z.enum(sortOrders).optional(),
  limit: numberParam(limit).optional(),
  cursor: cursor.optional(),
});

export type SearchBody = z.input<typeof searchBodySchema>;
export type SearchQuery = z.output<typeof searchQuerySchema>;

/** A validated search, ready to run. */
export interface SearchRequest {
  readonly lat: number;
  readonly lng: number;
  readonly radiusM: number;
  readonly start: number;
  readonly end: number;
  readonly maxPrice: number | null;
  /** Sorted, distinct; null = any. */
  readonly spaceTypes: readonly SpaceType[] | null;
  /** Sorted, distinct; a space must have all of them; null = no requirement. */
  readonly amenities: readonly string[] | null;
  readonly sort: SortOrder;
  readonly limit: number;
  readonly cursor: string | null;
}

type ParsedFields = {
  lat: number;
  lng: number;
  radiusM?: number | undefined;
  start: string;
  end: string;
  maxPrice?: number | undefined;
  spaceType?: SpaceType | SpaceType[] | undefined;
  amenities?: string[] | undefined;
  sort?: SortOrder | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

const distinctSorted = <T extends string>(values: readonly T[]) => [...new Set(values)].sort();

/**
 * Turns parsed fields into a SearchRequest, checking what one field alone cannot: the window is on
 * whole minutes, ends after it starts, lasts within the limits and does not lie in the past.
 * Throws a validation AppError (400) naming the field.
 */
export function toSearchRequest(fields: ParsedFields, now: number): SearchRequest {
  const start = Date.parse(fields.start);
  const end = Date.parse(fields.end);
  const fail = (path: string, message: string): never => {
    throw errors.validation(`invalid search: ${path}: ${message}`, [{ path, message }]);
  };
  if (start % MS_PER_MINUTE !== 0) fail("start", "must be on a whole minute");
  if (end % MS_PER_MINUTE !== 0) fail("end", "must be on a whole minute");
  if (end <= start) fail("end", "must be after start");
  const minutes = (end - start) / MS_PER_MINUTE;
  if (minutes < SEARCH_LIMITS.minWindowMinutes) {
    fail("end", `the window must last at least ${SEARCH_LIMITS.minWindowMinutes} minutes`);
  }
  if (minutes > SEARCH_LIMITS.maxWindowMinutes) {
    fail("end", `the window may last at most ${SEARCH_LIMITS.maxWindowMinutes / 1440} days`);
  }
  if (start < now - SEARCH_LIMITS.pastSlackMs) fail("start", "must not be in the past");
  if (start > now + SEARCH_LIMITS.maxLeadMs) fail("start", "must be within a year from now");
  const types = fields.spaceType === undefined ? null : [fields.spaceType].flat();
  return {
    lat: fields.lat,
    lng: fields.lng,
    radiusM: fields.radiusM ?? SEARCH_LIMITS.defaultRadiusM,
    start,
    end,
    maxPrice: fields.maxPrice ?? null,
    spaceTypes: types === null ? null : distinctSorted(types),
    amenities: fields.amenities === undefined ? null : distinctSorted(fields.amenities),
    sort: fields.sort ?? "distance",
    limit: fields.limit ?? SEARCH_LIMITS.defaultLimit,
    cursor: fields.cursor ?? null,
  };
}
