// Search correctness: for a few hundred spaces with random schedules, exceptions, time zones,
// buffers, notice, duration limits, prices, amenities and bookings, every search (distance or
// price order, filters, any page size) lists exactly what a brute-force scan over all of them
// finds, in the same order, and its pages cover that list exactly once.
import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../devstack/seeded-random.ts";
import {
  type AvailabilityRules,
  checkWindow,
  type DateException,
  type Interval,
  priceWindow,
  type WeeklyHours,
} from "../../src/domain/index.ts";
import { SLOT_HOLDING_STATUSES } from "../../src/domain/space-listing.ts";
import { haversineMeters } from "../../src/geo/distance.ts";
import { type SearchRequest, toSearchRequest } from "../../src/search/search-request.ts";
import { type SearchResult, SpaceSearch } from "../../src/search/search-service.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import {
  type BookingSeed,
  insertBookings,
  insertSpaces,
  insertUser,
  type SpaceSeed,
  spaceSeed,
} from "../support/search-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const SEED = Number(process.env.SEARCH_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
// Tromsø: far from every other suite's spaces, so the scan below sees all that search can see.
const CENTER = { lat: 69.6492, lng: 18.9553 };
const SPACES = 300;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const ZONES = [
  "Europe/Oslo",
  "Europe/Madrid",
  "America/New_York",
  "Asia/Tokyo",
  "UTC",
  "Australia/Lord_Howe",
];
const TYPES = ["garage", "driveway", "lot", "street", "covered", "underground"];
const AMENITIES = ["ev_charging", "covered", "lit", "gated"];
const ALL_STATUSES = [
  ...SLOT_HOLDING_STATUSES,
  "cancelled",
  "completed",
  "rejected",
  "expired",
  "payment_failed",
];

const prng = seededRandom;
const random = prng(SEED);
const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
const chance = (p: number) => random() < p;

interface Seeded {
  id: string;
  seed: SpaceSeed;
  rules: AvailabilityRules;
  taken: Interval[];
}

// Rounded so that windows below start on whole quarters of an hour from a minute-aligned `now`.
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
const base = Math.ceil(now / (15 * MINUTE)) * 15 * MINUTE;
let seeded: Seeded[] = [];
const GARAGE_SPACES = 120;
let garage: { lat: number; lng: number };
let search: SpaceSearch;

function randomWeeklyHours(): WeeklyHours[] {
  const shape = int(0, 4);
  if (shape === 0)
    return [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 0, endMinute: 1440 }));
  const hours: WeeklyHours[] = [];
  for (let dayOfWeek = 0; dayOfWeek < 7; dayOfWeek++) {
    if (chance(0.15)) continue;
    if (shape === 1) {
      // Overnight: evening into the next morning.
      hours.push({ dayOfWeek, startMinute: int(17, 22) * 60, endMinute: 1440 + int(5, 9) * 60 });
    } else {
      const start = int(0, 12) * 60 + pick([0, 30]);
      const end = Math.min(1440, start + int(2, 12) * 60);
      hours.push({ dayOfWeek, startMinute: start, endMinute: end });
      if (shape === 3 && end < 1380) hours.push({ dayOfWeek, startMinute: end + 60, endMinute: 1440 });
    }
  }
  return hours;
}

function randomExceptions(): DateException[] {
  const list: DateException[] = [];
  for (let i = int(0, 3); i > 0; i--) {
    const localDate = new Date(now + int(-1, 6) * DAY).toISOString().slice(0, 10);
    if (chance(0.5)) {
      list.push({ localDate, kind: "closed" });
    } else {
      const startMinute = int(0, 20) * 60;
      list.push({
        localDate,
        kind: chance(0.5) ? "closed" : "open",
        startMinute,
        endMinute: startMinute + int(1, 6) * 60,
      });
    }
  }
  return list;
}

function randomSpace(hostId: string, twin?: SpaceSeed): SpaceSeed {
  const r = 3_500 * Math.sqrt(random());
  const angle = random() * 2 * Math.PI;
  const lat = twin?.lat ?? CENTER.lat + (r * Math.cos(angle)) / 111_320;
  const lng =
    twin?.lng ?? CENTER.lng + (r * Math.sin(angle)) / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180));
  const hourly = int(0, 60) * 10;
  const minDuration = pick([15, 30, 30, 60, 120]);
  return spaceSeed(hostId, lat, lng, {
    title: `${pick(["Garage", "Driveway", "Covered bay"])} ${int(1, 999)}`,
    timezone: pick(ZONES),
    spaceType: pick(TYPES),
    hourly,
    daily: chance(0.7) ? hourly * int(4, 12) : null,
    monthly: chance(0.4) ? hourly * int(60, 200) : null,
    bufferMinutes: pick([0, 0, 10, 15, 30]),
    minNoticeMinutes: pick([0, 0, 30, 60, 240, 1440]),
    minDurationMinutes: minDuration,
    maxDurationMinutes: chance(0.3) ? minDuration * int(2, 50) : null,
    status: chance(0.08) ? pick(["inactive", "deleted"] as const) : "active",
    weeklyHours: randomWeeklyHours(),
    exceptions: randomExceptions(),
    amenities: AMENITIES.filter(() => chance(0.35)),
  });
}

beforeAll(async () => {
  const hostId = await insertUser(t.deps.pool, "host");
  const driverId = await insertUser(t.deps.pool, "driver");
  const seeds: SpaceSeed[] = [];
  for (let i = 0; i < SPACES; i++)
    seeds.push(randomSpace(hostId, i > 0 && chance(0.05) ? seeds[i - 1] : undefined));
  // A garage: many spaces listed at one point, more than one distance read takes.
  garage = { lat: seeds[0]!.lat, lng: seeds[0]!.lng };
  for (let i = 0; i < GARAGE_SPACES; i++) seeds.push(randomSpace(hostId, seeds[0]));
  const ids = await insertSpaces(t.deps.pool, seeds, {
    map: t.config.H3_MAP_RESOLUTION,
    shard: t.config.H3_SHARD_RESOLUTION,
  });
  const bookings: BookingSeed[] = [];
  seeded = ids.map((id, i) => {
    const seed = seeds[i]!;
    const taken: Interval[] = [];
    // Back-to-back-or-apart bookings from a day ago to a week ahead: never overlapping.
    let cursor = base - DAY + int(0, 12) * HOUR;
    while (cursor < base + 7 * DAY) {
      const start = cursor + int(0, 20) * 30 * MINUTE;
      const end = start + int(1, 16) * 30 * MINUTE;
      const status = pick(ALL_STATUSES);
      bookings.push({ spaceId: id, driverId, status, start, end });
      if ((SLOT_HOLDING_STATUSES as readonly string[]).includes(status)) taken.push({ start, end });
      cursor = end + int(0, 2) * 30 * MINUTE;
    }
    const rules: AvailabilityRules = {
      timeZone: seed.timezone,
      weeklyHours: seed.weeklyHours,
      exceptions: seed.exceptions,
      bufferMinutes: seed.bufferMinutes,
      minNoticeMinutes: seed.minNoticeMinutes,
      minDurationMinutes: seed.minDurationMinutes,
      maxDurationMinutes: seed.maxDurationMinutes,
    };
    return { id, seed, rules, taken };
  });
  await insertBookings(t.deps.pool, bookings);
  search = new SpaceSearch(t.deps.searchPool, {
    feeBasisPoints: t.config.PLATFORM_FEE_BASIS_POINTS,
    mapResolution: t.config.H3_MAP_RESOLUTION,
  });
});

/** A search whose statements' names (or "text" for unnamed ones) are recorded as they run. */
function recordingSearch(): { walker: SpaceSearch; statements: string[] } {
  const statements: string[] = [];
  const recording: Queryable = {
    query: ((config: unknown, values?: unknown) => {
      statements.push(typeof config === "string" ? "text" : ((config as { name?: string }).name ?? "text"));
      return t.deps.searchPool.query(config as string, values as unknown[]);
    }) as Queryable["query"],
  };
  const walker = new SpaceSearch(recording, {
    feeBasisPoints: t.config.PLATFORM_FEE_BASIS_POINTS,
    mapResolution: t.config.H3_MAP_RESOLUTION,
  });
  return { walker, statements };
}

/** The answer, by looking at every seeded space. */
function bruteForce(request: SearchRequest): { id: string; distanceM: number; total: number }[] {
  const window = { start: request.start, end: request.end };
  const found = [];
  for (const space of seeded) {
    const s = space.seed;
    if (s.status !== "active") continue;
    const distanceM = haversineMeters(request.lat, request.lng, s.lat, s.lng);
    if (distanceM > request.radiusM) continue;
    if (request.spaceTypes && !request.spaceTypes.includes(s.spaceType as never)) continue;
    if (request.amenities?.some((a) => !s.amenities.includes(a))) continue;
    if (!checkWindow(space.rules, space.taken, window, now).ok) continue;
    const price = priceWindow(s, window, t.config.PLATFORM_FEE_BASIS_POINTS);
    if (request.maxPrice !== null && price.total > request.maxPrice) continue;
    found.push({ id: space.id, distanceM, total: price.total });
  }
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return found.sort((a, b) =>
    request.sort === "price"
      ? a.total - b.total || a.distanceM - b.distanceM || byId(a, b)
      : a.distanceM - b.distanceM || byId(a, b),
  );
}

async function allPages(
  request: SearchRequest,
  using: SpaceSearch = search,
): Promise<{ results: SearchResult[]; pages: number }> {
  const results: SearchResult[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await using.search({ ...request, cursor }, now);
    expect(page.results.length).toBeLessThanOrEqual(request.limit);
    if (page.nextCursor !== null) expect(page.results.length).toBe(request.limit);
    results.push(...page.results);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 500);
  return { results, pages };
}

function randomRequest(): SearchRequest {
  const start = base + int(0, 5 * 24 * 4) * 15 * MINUTE;
  const minutes = chance(0.1) ? int(28, 31) * 1440 : pick([15, 30, 60, 120, 120, 180, 360, 1440, 2880]);
  const r = 2_000 * random();
  const angle = random() * 2 * Math.PI;
  return toSearchRequest(
    {
      lat: CENTER.lat + (r * Math.cos(angle)) / 111_320,
      lng: CENTER.lng + (r * Math.sin(angle)) / (111_320 * Math.cos((CENTER.lat * Math.PI) / 180)),
      radiusM: pick([300, 800, 1_500, 2_000, 3_000, 5_000]),
      start: new Date(start).toISOString(),
      end: new Date(start + minutes * MINUTE).toISOString(),
      maxPrice: chance(0.25) ? int(0, 4_000) : undefined,
      spaceType: chance(0.2) ? [pick(TYPES) as "garage", pick(TYPES) as "garage"] : undefined,
      amenities: chance(0.2) ? [pick(AMENITIES)] : undefined,
      sort: pick(["distance", "price"] as const),
      limit: pick([1, 3, 7, 20, 100]),
    },
    now,
  );
}

describe(`search against a brute-force scan (seed ${SEED})`, () => {
  it("lists the same spaces in the same order, with the same prices, over all pages", async () => {
    let nonEmpty = 0;
    for (let i = 0; i < 40; i++) {
      const request = randomRequest();
      const expected = bruteForce(request);
      const { results, pages } = await allPages(request);
      const label = JSON.stringify({ i, ...request });
      expect(
        results.map((r) => r.id),
        label,
      ).toEqual(expected.map((e) => e.id));
      results.forEach((r, k) => {
        expect(r.distanceM, label).toBeCloseTo(expected[k]!.distanceM, 6);
        expect(r.price.total, label).toBe(expected[k]!.total);
        expect(r.price.platformFee + r.price.hostEarnings).toBe(r.price.total);
      });
      expect(pages, label).toBe(Math.max(1, Math.ceil(expected.length / request.limit)));
      if (expected.length > 0) nonEmpty++;
    }
    // The random searches must exercise something: most of them find spaces.
    expect(nonEmpty).toBeGreaterThanOrEqual(10);
  });

  it("finds every bookable space of a wide search, and refuses none the domain accepts", async () => {
    const start = base + 2 * DAY + 10 * HOUR;
    const request = toSearchRequest(
      {
        ...CENTER,
        radiusM: 10_000,
        start: new Date(start).toISOString(),
        end: new Date(start + 2 * HOUR).toISOString(),
        limit: 100,
      },
      now,
    );
    const expected = bruteForce(request);
    expect(expected.length).toBeGreaterThan(30);
    const { results } = await allPages(request);
    expect(results.map((r) => r.id)).toEqual(expected.map((e) => e.id));
  });

  it("lists spaces at one point (a garage) in id order over every page, however many share it", async () => {
    const { walker, statements } = recordingSearch();
    const atGarage = seeded.filter(
      (s) => s.seed.lat === garage.lat && s.seed.lng === garage.lng && s.seed.status === "active",
    );
    expect(atGarage.length).toBeGreaterThan(80);
    const start = base + DAY + 9 * HOUR;
    for (const [offsetM, limit] of [
      [0, 5],
      [0, 2],
      [40, 3],
    ] as const) {
      const request = toSearchRequest(
        {
          lat: garage.lat + offsetM / 111_320,
          lng: garage.lng,
          radiusM: 300,
          start: new Date(start).toISOString(),
          end: new Date(start + HOUR).toISOString(),
          limit,
        },
        now,
      );
      const expected = bruteForce(request);
      // Bookable or not, every active space at the point is read: far more than one read takes.
      expect(expected.length).toBeGreaterThan(limit);
      const { results } = await allPages(request, walker);
      expect(
        results.map((r) => r.id),
        JSON.stringify({ offsetM, limit }),
      ).toEqual(expected.map((e) => e.id));
    }
    expect(statements).toContain("search-nearest");
  });

  it("orders by price over price blocks within a couple of km (any window length), over all ranges beyond", async () => {
    const { walker, statements } = recordingSearch();
    const start = base + DAY + 8 * HOUR;
    for (const [radiusM, minutes, blocks] of [
      [800, 45, true],
      [2_000, 120, true],
      [2_000, 200, true],
      [1_500, 1440 + 60, true],
      [2_500, 29 * 1440, true],
      [20_000, 120, false],
    ] as const) {
      statements.length = 0;
      const request = toSearchRequest(
        {
          ...CENTER,
          radiusM,
          start: new Date(start).toISOString(),
          end: new Date(start + minutes * MINUTE).toISOString(),
          sort: "price",
          limit: 5,
        },
        now,
      );
      const { results } = await allPages(request, walker);
      const label = JSON.stringify({ radiusM, minutes });
      expect(
        results.map((r) => r.id),
        label,
      ).toEqual(bruteForce(request).map((e) => e.id));
      expect(
        statements.some((name) => name.startsWith("search_price_walk_")),
        label,
      ).toBe(blocks);
    }
  });
});
