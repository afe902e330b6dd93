// Space search: a radius and a time window in, the spaces bookable for the whole window out, with
// their price, in distance or price order, a page at a time. Candidates come from H3 cell ranges in
// the ledger (nearest cells first when sorting by distance); only the first few in order are checked
// against their rules and bookings, in batches, until a page (plus one result, to know whether
// another page exists) is filled.
import { MS_PER_MINUTE, type PriceBreakdown } from "../domain/index.ts";
import { boxAround } from "../geo/distance.ts";
import { type NearCellRange, searchCells } from "../geo/search-cells.ts";
import type { Queryable } from "../storage/postgres.ts";
import {
  type Candidate,
  type CandidateQuery,
  findCandidates,
  loadForWindow,
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
/** Cell ranges read by the first candidate query of a distance walk (then twice as many each time). */
const FIRST_CELL_GROUP = 12;

export class SpaceSearch {
  constructor(
    private readonly db: Queryable,
    private readonly options: SpaceSearchOptions,
  ) {}

  /** One page of results for `request`, decided at `now` (epoch ms; minimum notice counts from it). */
  async search(request: SearchRequest, now: number): Promise<SearchPage> {
    const after = request.cursor === null ? null : decodeCursor(request, request.cursor);
    const window = { start: request.start, end: request.end };
    const { ranges } = searchCells(request.lat, request.lng, request.radiusM, this.options.mapResolution);
    const query: CandidateQuery = {
      ranges,
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
        ? await this.walkByDistance(query, ranges, request, now, after, wanted)
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

  /**
   * Distance order grows outwards: cell ranges are read nearest first, in growing groups, and a
   * fetched candidate is checked only once no unread cell can hold a nearer one (its distance is
   * below the next unread cell's nearest point). In a dense area the first group fills the page.
   */
  private async walkByDistance(
    query: CandidateQuery,
    ranges: readonly NearCellRange[],
    request: SearchRequest,
    now: number,
    after: SortKey | null,
    wanted: number,
  ): Promise<SearchResult[]> {
    const found: SearchResult[] = [];
    // Cells wholly nearer than the cursor hold nothing the next page needs.
    const unread = after === null ? [...ranges] : ranges.filter((r) => r.farthestM >= after.distanceM);
    let next = 0;
    let group = FIRST_CELL_GROUP;
    let pending: { candidate: Candidate; key: SortKey }[] = [];
    for (;;) {
      const safeBelow = next < unread.length ? unread[next]!.nearestM : Number.POSITIVE_INFINITY;
      let ready = 0;
      while (ready < pending.length && pending[ready]!.key.distanceM < safeBelow) ready++;
      if (ready > 0) {
        const batch = pending.slice(0, Math.min(ready, firstBatch(wanted - found.length)));
        pending = pending.slice(batch.length);
        const window = { start: request.start, end: request.end };
        const spaces = await loadForWindow(
          this.db,
          batch.map((b) => b.candidate),
          window,
        );
        for (const space of spaces) {
          const result = this.quote(space, request, now);
          if (result !== null && found.push(result) === wanted) return found;
        }
        continue;
      }
      if (next >= unread.length) return found;
      const reading = unread.slice(next, next + group);
      next += reading.length;
      group *= 2;
      for (const candidate of await findCandidates(this.db, { ...query, ranges: reading })) {
        const key = sortKeyOf("distance", { ...candidate, total: 0 });
        if (after === null || compareKeys(key, after) > 0) pending.push({ candidate, key });
      }
      pending.sort((a, b) => compareKeys(a.key, b.key));
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
