// Space search: a radius and a time window in, the spaces bookable for the whole window out, with
// their price, in distance or price order, a page at a time. Candidates come from H3 cell ranges in
// the ledger; only the first few in order are checked against their rules and bookings, in batches,
// until a page (plus one result, to know whether another page exists) is filled.
import { MS_PER_MINUTE, type PriceBreakdown } from "../domain/index.ts";
import { boxAround } from "../geo/distance.ts";
import { searchCells } from "../geo/search-cells.ts";
import type { Queryable } from "../storage/postgres.ts";
import {
  type Candidate,
  type CandidateQuery,
  findCandidates,
  loadForWindow,
  nextByDistance,
  type SpaceForWindow,
} from "../storage/search-repository.ts";
import { decodeCursor, encodeCursor, type SortKey } from "./search-cursor.ts";
import { compareKeys, quoteWindow, sortKeyOf, totalFor } from "./search-ranking.ts";
import type { SearchRequest } from "./search-request.ts";

export interface SearchResult {
  id: string;
  title: string;
  address: { line1: string; city: string; postalCode: string; country: string };
  location: { lat: number; lng: number };
  /** Great-circle distance from the searched point, in metres. */
  distanceM: number;
  spaceType: string;
  spaceSize: string;
  bookingMode: string;
  amenities: string[];
  rates: { currency: string; hourly: number; daily: number | null; monthly: number | null };
  /** The whole window's price in minor units of `currency`; total = platformFee + hostEarnings. */
  price: PriceBreakdown & { currency: string };
}

export interface SearchPage {
  results: SearchResult[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
  window: { start: string; end: string };
  sort: SearchRequest["sort"];
}

export interface SpaceSearchOptions {
  /** Platform fee in basis points (PLATFORM_FEE_BASIS_POINTS). */
  feeBasisPoints: number;
  /** H3 resolution of parking_spaces.h3_cell (H3_MAP_RESOLUTION). */
  mapResolution: number;
}

/** Candidates checked per round trip at most. */
const MAX_BATCH = 400;

export class SpaceSearch {
  constructor(
    private readonly db: Queryable,
    private readonly options: SpaceSearchOptions,
  ) {}

  /** One page of results for `request`, decided at `now` (epoch ms; minimum notice counts from it). */
  async search(request: SearchRequest, now: number): Promise<SearchPage> {
    const after = request.cursor === null ? null : decodeCursor(request, request.cursor);
    const window = { start: request.start, end: request.end };
    const query: CandidateQuery = {
      ranges: searchCells(request.lat, request.lng, request.radiusM, this.options.mapResolution).ranges,
      lat: request.lat,
      lng: request.lng,
      radiusM: request.radiusM,
      box: boxAround(request.lat, request.lng, request.radiusM),
      spaceTypes: request.spaceTypes,
      amenities: request.amenities,
      durationMinutes: (window.end - window.start) / MS_PER_MINUTE,
      noticeMinutes: Math.floor((window.start - now) / MS_PER_MINUTE),
    };
    const wanted = request.limit + 1;
    const found =
      request.sort === "distance"
        ? await this.walkByDistance(query, request, now, after, wanted)
        : await this.walkByPrice(query, request, now, after, wanted);
    const results = found.slice(0, request.limit);
    const last = results.at(-1);
    return {
      results,
      nextCursor:
        found.length > request.limit && last !== undefined
          ? encodeCursor(request, sortKeyOf(request.sort, { ...last, total: last.price.total }))
          : null,
      window: { start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString() },
      sort: request.sort,
    };
  }

  private quote(space: SpaceForWindow, request: SearchRequest, now: number): SearchResult | null {
    const window = { start: request.start, end: request.end };
    const price = quoteWindow(space, window, now, this.options.feeBasisPoints, request.maxPrice);
    return price === null ? null : toResult(space, price);
  }

  /** Distance order is the database's: walk it in growing batches until enough spaces are bookable. */
  private async walkByDistance(
    query: CandidateQuery,
    request: SearchRequest,
    now: number,
    after: SortKey | null,
    wanted: number,
  ): Promise<SearchResult[]> {
    const found: SearchResult[] = [];
    let position: { distanceM: number; id: string } | null = after;
    let batch = firstBatch(wanted);
    for (;;) {
      const window = { start: request.start, end: request.end };
      const spaces = await nextByDistance(this.db, query, window, position, batch);
      for (const space of spaces) {
        position = space;
        const result = this.quote(space, request, now);
        if (result !== null && found.push(result) === wanted) return found;
      }
      if (spaces.length < batch) return found;
      batch = Math.min(batch * 2, MAX_BATCH);
    }
  }

  /** Price order needs every candidate's price first (rates only), then walks it like distance. */
  private async walkByPrice(
    query: CandidateQuery,
    request: SearchRequest,
    now: number,
    after: SortKey | null,
    wanted: number,
  ): Promise<SearchResult[]> {
    const minutes = query.durationMinutes;
    const ranked: { candidate: Candidate; key: SortKey }[] = [];
    for (const candidate of await findCandidates(this.db, query)) {
      const total = totalFor(candidate, minutes);
      if (request.maxPrice !== null && total > request.maxPrice) continue;
      const key = sortKeyOf("price", { ...candidate, total });
      if (after === null || compareKeys(key, after) > 0) ranked.push({ candidate, key });
    }
    ranked.sort((a, b) => compareKeys(a.key, b.key));
    const found: SearchResult[] = [];
    let batch = firstBatch(wanted);
    for (let from = 0; from < ranked.length; from += batch, batch = Math.min(batch * 2, MAX_BATCH)) {
      const slice = ranked.slice(from, from + batch).map((r) => r.candidate);
      const window = { start: request.start, end: request.end };
      for (const space of await loadForWindow(this.db, slice, window)) {
        const result = this.quote(space, request, now);
        if (result !== null && found.push(result) === wanted) return found;
      }
    }
    return found;
  }
}

/** Most spaces near a point are bookable for most windows: half again as many as wanted, plus a few. */
const firstBatch = (wanted: number) => Math.min(wanted + Math.ceil(wanted / 2) + 4, MAX_BATCH);

function toResult(space: SpaceForWindow, price: PriceBreakdown): SearchResult {
  return {
    id: space.id,
    title: space.title,
    address: {
      line1: space.addressLine1,
      city: space.city,
      postalCode: space.postalCode,
      country: space.country,
    },
    location: { lat: space.lat, lng: space.lng },
    distanceM: space.distanceM,
    spaceType: space.spaceType,
    spaceSize: space.spaceSize,
    bookingMode: space.bookingMode,
    amenities: [...space.amenities],
    rates: { currency: space.currency, hourly: space.hourly, daily: space.daily, monthly: space.monthly },
    price: { ...price, currency: space.currency },
  };
}

/** "Free right now": the next hour, starting at the next whole minute. */
export const NEARBY_WINDOW_MINUTES = 60;

/** The window "now" stands for at `now`: from the next whole minute, NEARBY_WINDOW_MINUTES long. */
export function nearbyWindow(now: number): { start: number; end: number } {
  const start = Math.ceil(now / MS_PER_MINUTE) * MS_PER_MINUTE;
  return { start, end: start + NEARBY_WINDOW_MINUTES * MS_PER_MINUTE };
}

/** The search behind GET /search/nearby: spaces free for the next hour, nearest first. */
export function nearbyRequest(
  point: { lat: number; lng: number; radiusM: number; limit: number },
  now: number,
): SearchRequest {
  return {
    ...point,
    ...nearbyWindow(now),
    maxPrice: null,
    spaceTypes: null,
    amenities: null,
    sort: "distance",
    cursor: null,
  };
}
