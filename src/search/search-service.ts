// Space search: a radius and a time window in, the spaces bookable for the whole window out, with
// their price, in distance or price order, a page at a time. Candidates come from the ledger in
// order: nearest first from its earth index, or cheapest first over H3 cell ranges and price blocks;
// only the first few in order are checked against their rules and bookings, in batches, until a page
// (plus one result, to know whether another page exists) is filled. See docs/search.md.
import { MS_PER_MINUTE, type PriceBreakdown } from "../domain/index.ts";
import { boxAround } from "../geo/distance.ts";
import { searchCells } from "../geo/search-cells.ts";
import type { Queryable } from "../storage/postgres.ts";
import { MAX_BLOCKS } from "../storage/price-walk-sql.ts";
import {
  type Candidate,
  type CandidateQuery,
  cheapestCandidates,
  cheapestInBlocks,
  loadForWindow,
  nearestForWindow,
  type SearchRange,
  type SpaceForWindow,
  type WindowRange,
} from "../storage/search-repository.ts";
import { SpaceRulesCache } from "../storage/space-rules-cache.ts";
import { type LadderMinutes, ladderStepFor, priceBlocksOf } from "../storage/stay-price-keys.ts";
import { decodeCursor, encodeCursor, type SortKey } from "./search-cursor.ts";
import { compareKeys, quoteWindow, sortKeyOf } from "./search-ranking.ts";
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
  /** How far ahead a booking may start (BOOKING_HORIZON_DAYS); windows past it are never offered. */
  horizonDays?: number;
  /** H3 resolution of parking_spaces.h3_cell (H3_MAP_RESOLUTION). */
  mapResolution: number;
}

/** Candidates read or checked per round trip at most. */
const MAX_BATCH = 400;
/**
 * Metres a distance read starts before where the previous one ended: far above the float noise
 * between the earth index's chord and the haversine distance (~1e-9 m), far below any real gap.
 */
const REACH_SLACK_M = 0.001;
/** A distance read scans at most this many spaces (then reads again from where it stopped). */
const MAX_SCAN = 20_000;
/** Stored keys per block the first read of a price walk over blocks takes (then twice as many each time). */
const FIRST_PER_BLOCK = 32;

/**
 * Candidates in the order of a walk, a page at a time. `after` is where the reading stands: every
 * candidate not read yet sorts strictly after it (null once nothing is left).
 */
interface CandidateStream {
  after(): SortKey | null;
  read(limit: number): Promise<Candidate[]>;
}

/** A candidate and its key in the walk's order: for price, a lower bound of its result's key. */
interface Pending {
  readonly candidate: Candidate;
  readonly key: SortKey;
}

export class SpaceSearch {
  /** Rules and amenities of the spaces this process has checked, by row version. */
  readonly rulesCache = new SpaceRulesCache();

  constructor(
    private readonly db: Queryable,
    private readonly options: SpaceSearchOptions,
  ) {}

  /** One page of results for `request`, decided at `now` (epoch ms; minimum notice counts from it). */
  async search(request: SearchRequest, now: number): Promise<SearchPage> {
    const after = request.cursor === null ? null : decodeCursor(request, request.cursor);
    const window = { start: request.start, end: request.end };
    const query: CandidateQuery = {
      ranges: [],
      lat: request.lat,
      lng: request.lng,
      radiusM: request.radiusM,
      box: boxAround(request.lat, request.lng, request.radiusM),
      spaceTypes: request.spaceTypes,
      amenities: request.amenities,
      durationMinutes: (window.end - window.start) / MS_PER_MINUTE,
      noticeMinutes: Math.floor((window.start - now) / MS_PER_MINUTE),
      maxPrice: request.maxPrice,
    };
    const stream =
      request.sort === "distance"
        ? this.byDistance(query, window, after)
        : this.byPrice({ ...query, ranges: this.rangesOf(request) }, after);
    const found = await this.walk(stream, request, now, after, request.limit + 1);
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

  /**
   * Reads candidates in key order and checks them against their rules and bookings in batches. A
   * checked result is listed once no candidate still unchecked or unread can sort before it: its
   * key is at most the reading position and at most every unchecked candidate's (lower-bound) key.
   */
  private async walk(
    stream: CandidateStream,
    request: SearchRequest,
    now: number,
    cursor: SortKey | null,
    wanted: number,
  ): Promise<SearchResult[]> {
    const found: SearchResult[] = [];
    let pending: Pending[] = [];
    let checked: { result: SearchResult; key: SortKey }[] = [];
    let readSize = firstBatch(wanted);
    /** Candidates checked so far, and how many of them were bookable: the next read's size follows. */
    let tried = 0;
    let bookable = 0;
    const window = { start: request.start, end: request.end };
    for (;;) {
      const reading = stream.after();
      let listed = 0;
      for (const { result, key } of checked) {
        if (reading !== null && compareKeys(key, reading) > 0) break;
        if (pending.length > 0 && compareKeys(key, pending[0]!.key) > 0) break;
        listed++;
        if (found.push(result) === wanted) return found;
      }
      if (listed > 0) checked = checked.slice(listed);
      // Check the unchecked candidates that no unread one can precede.
      let ready = 0;
      while (ready < pending.length && (reading === null || compareKeys(pending[ready]!.key, reading) <= 0))
        ready++;
      if (ready > 0) {
        const batch = pending.slice(0, Math.min(ready, firstBatch(wanted - found.length)));
        pending = pending.slice(batch.length);
        const spaces = await loadForWindow(
          this.db,
          batch.map((b) => b.candidate),
          window,
          this.rulesCache,
        );
        tried += batch.length;
        for (const space of spaces) {
          const result = this.quote(space, request, now);
          if (result === null) continue;
          bookable++;
          const key = sortKeyOf(request.sort, { ...result, total: result.price.total });
          if (cursor === null || compareKeys(key, cursor) > 0) checked.push({ result, key });
        }
        checked.sort((a, b) => compareKeys(a.key, b.key));
        continue;
      }
      // Nothing left to read, nothing unchecked: everything checked was listed above.
      if (reading === null) return found;
      const read = await stream.read(
        nextReadSize(readSize, wanted - found.length - checked.length, tried, bookable),
      );
      readSize = Math.min(readSize * 2, MAX_BATCH);
      for (const candidate of read) {
        pending.push({ candidate, key: candidateKey(request.sort, candidate) });
      }
      pending.sort((a, b) => compareKeys(a.key, b.key));
    }
  }

  private quote(space: SpaceForWindow, request: SearchRequest, now: number): SearchResult | null {
    const window = { start: request.start, end: request.end };
    const price = quoteWindow(
      space,
      window,
      now,
      this.options.feeBasisPoints,
      request.maxPrice,
      this.options.horizonDays,
    );
    return price === null ? null : toResult(space, price);
  }

  /**
   * Distance order: the spaces nearest to the point, a page at a time, each read starting at the
   * reach the previous one ended at (less REACH_SLACK_M, so float noise between the index's chord
   * and the haversine distance cannot skip a space; rows read twice are dropped). A read scans as
   * many spaces in distance order as it asks for; once filters leave fewer, each next read scans
   * four times as many as the last. When a read brings nothing new (more spaces at one spot than it takes),
   * the next one takes twice as many.
   */
  private byDistance(query: CandidateQuery, window: WindowRange, cursor: SortKey | null): CandidateStream {
    let position: SortKey | null = cursor ?? START;
    let from: number | null = cursor === null ? null : Math.max(0, cursor.distanceM - REACH_SLACK_M);
    /** Spaces a read scans at least: as many as it asks for, until filters leave too few. */
    let budget = 0;
    const seen = new Set<string>();
    return {
      after: () => position,
      read: async (limit) => {
        for (let size = limit; ; size *= 2) {
          const scan = Math.max(budget, size);
          const page = await nearestForWindow(this.db, query, window, from, size, scan);
          if (page.candidates.length < size) budget = Math.min(scan * 4, MAX_SCAN);
          const unseen = page.candidates.filter((c) => !seen.has(c.id));
          for (const c of unseen) seen.add(c.id);
          if (page.reach === null) position = null;
          else {
            from = Math.max(0, page.reach - REACH_SLACK_M);
            position = { price: null, distanceM: from, id: NIL_ID };
          }
          if (unseen.length > 0 || page.reach === null) {
            return cursor === null
              ? unseen
              : unseen.filter((c) => compareKeys(candidateKey("distance", c), cursor) > 0);
          }
        }
      },
    };
  }

  /** The H3 cell ranges of the search's disc, each marked when it lies wholly inside the radius. */
  private rangesOf(request: SearchRequest): SearchRange[] {
    const { ranges } = searchCells(request.lat, request.lng, request.radiusM, this.options.mapResolution);
    return ranges.map((r) => ({ lo: r.lo, hi: r.hi, inside: r.farthestM <= request.radiusM }));
  }

  /**
   * Price order. Within MAX_BLOCKS price blocks, the walk over blocks; a wider radius (or a window
   * shorter than the ladder's first step) reads every range at once, cheapest price key first.
   */
  private byPrice(query: CandidateQuery, cursor: SortKey | null): CandidateStream {
    const step = ladderStepFor(query.durationMinutes);
    const blocks = step === null ? null : priceBlocksOf(query.ranges, MAX_BLOCKS);
    if (step !== null && blocks !== null) return this.byPriceInBlocks(query, step, blocks, cursor);
    let position: SortKey | null = START;
    return {
      after: () => position,
      read: async (limit) => {
        const from = position === START ? null : position;
        const page = await cheapestCandidates(this.db, query, from, cursor, limit);
        position = page.after;
        return page.candidates;
      },
    };
  }

  /**
   * Price order over price blocks: each read takes every block's first candidates in stored-key
   * order (twice as many each time) and returns the cheapest after the reading position. Nothing
   * unread is cheaper than the bound (the lowest last key of the blocks that filled their share:
   * keys are lower bounds of prices), nor, among those read, sorts before the last candidate
   * returned; the reading position is the smaller of the two.
   */
  private byPriceInBlocks(
    query: CandidateQuery,
    step: LadderMinutes,
    blocks: readonly string[],
    cursor: SortKey | null,
  ): CandidateStream {
    let position: SortKey | null = START;
    let perBlock = FIRST_PER_BLOCK;
    return {
      after: () => position,
      read: async (limit) => {
        const from = position === START ? null : position;
        const page = await cheapestInBlocks(this.db, query, { blocks, step, perBlock }, from, cursor, limit);
        const last = page.candidates.at(-1);
        const byRows = page.candidates.length === limit && last !== undefined ? priceKeyOf(last) : null;
        const byPrefix = page.bound === null ? null : { price: page.bound, distanceM: -1, id: NIL_ID };
        const prefixBound = byPrefix !== null && (byRows === null || compareKeys(byPrefix, byRows) <= 0);
        position = prefixBound ? byPrefix : byRows;
        // Read further into the blocks only once the prefix is what held the reading back.
        if (prefixBound) perBlock *= 2;
        // Candidates past the reading position come again in the next read (it starts from there).
        const at = position;
        return at === null
          ? page.candidates
          : page.candidates.filter((c) => compareKeys(priceKeyOf(c), at) <= 0);
      },
    };
  }
}

/** The smallest uuid: a key with it sorts before every space at its price and distance. */
const NIL_ID = "00000000-0000-0000-0000-000000000000";

/** The reading position before anything is read: every key sorts after it. */
const START: SortKey = Object.freeze({ price: Number.NEGATIVE_INFINITY, distanceM: -1, id: "" });

const priceKeyOf = (c: Candidate): SortKey => ({ price: c.priceKey, distanceM: c.distanceM, id: c.id });

/** A candidate's key in the walk: its distance, or its price key (a lower bound of the price). */
const candidateKey = (sort: SearchRequest["sort"], c: Candidate): SortKey =>
  sortKeyOf(sort, { id: c.id, distanceM: c.distanceM, total: c.priceKey });

/**
 * The size of a read after the first: enough for what is still wanted at the share of checked
 * candidates that were bookable, with half again as many to spare (a read costs by the row: a second
 * read as large as the doubled first one costs more than the whole first page), at most `doubled`;
 * `doubled` itself when nothing checked so far was bookable, or when the results wanted are all checked
 * and only wait for the reading position to pass them.
 */
export function nextReadSize(doubled: number, stillWanted: number, tried: number, bookable: number): number {
  if (tried === 0 || bookable === 0 || stillWanted <= 0) return doubled;
  const estimate = Math.ceil((stillWanted * tried * 1.5) / bookable) + 4;
  return Math.min(doubled, estimate);
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
