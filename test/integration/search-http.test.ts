// The search endpoints over HTTP: GET and POST agree and page with cursors, a booking or hold made
// a moment ago hides its space at once, bad input is refused with the error shape, and nearby,
// suggestions and popular answer from the ledger.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { insertBookings, insertSpaces, insertUser, spaceSeed } from "../support/search-fixtures.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp();
const api = t.client();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Each describe works around its own point, away from other suites' spaces (Reykjavík area).
const HERE = { lat: 64.1466, lng: -21.9426 };
const resolutions = () => ({ map: t.config.H3_MAP_RESOLUTION, shard: t.config.H3_SHARD_RESOLUTION });
const at = (base: { lat: number; lng: number }, northM: number, eastM = 0) => ({
  lat: base.lat + northM / 111_320,
  lng: base.lng + eastM / (111_320 * Math.cos((base.lat * Math.PI) / 180)),
});
const iso = (ms: number) => new Date(ms).toISOString();
const tomorrowTen = () => Math.ceil(Date.now() / DAY) * DAY + DAY + 10 * HOUR;

let hostId = "";
let driverId = "";
beforeAll(async () => {
  hostId = await insertUser(t.deps.pool, "host");
  driverId = await insertUser(t.deps.pool, "driver");
});

const query = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

describe("GET and POST /search/spaces", () => {
  const point = at(HERE, 0);
  const ids: string[] = [];
  const start = tomorrowTen();
  const window = { start: iso(start), end: iso(start + 2 * HOUR) };

  beforeAll(async () => {
    const seeds = Array.from({ length: 9 }, (_, i) =>
      spaceSeed(hostId, at(point, 100 * (i + 1)).lat, point.lng, {
        title: `Bay ${i}`,
        hourly: 900 - i * 100,
        daily: null,
        spaceType: i % 2 === 0 ? "garage" : "driveway",
        amenities: i % 3 === 0 ? ["ev_charging", "lit"] : ["lit"],
        timezone: "Atlantic/Reykjavik",
      }),
    );
    ids.push(...(await insertSpaces(t.deps.pool, seeds, resolutions())));
  });

  it("lists spaces nearest first with the window's price, and GET pages match one POST page", async () => {
    const res = await api.get(
      `/api/v1/search/spaces?${query({ ...point, radiusM: 950, ...window, limit: 4 })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 4));
    expect(res.body.results[0].price).toMatchObject({ currency: "EUR", durationMinutes: 120, total: 1800 });
    expect(res.body.results[0].price.platformFee + res.body.results[0].price.hostEarnings).toBe(1800);
    const pages = [res.body.results];
    let cursor: string | null = res.body.nextCursor;
    while (cursor !== null) {
      const next = await api.get(
        `/api/v1/search/spaces?${query({ ...point, radiusM: 950, ...window, limit: 4, cursor })}`,
      );
      expect(next.status).toBe(200);
      pages.push(next.body.results);
      cursor = next.body.nextCursor;
    }
    expect(pages.map((p) => p.length)).toEqual([4, 4, 1]);
    const all = await api.post("/api/v1/search/spaces", { ...point, radiusM: 950, ...window, limit: 100 });
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(pages.flat().map((r) => r.id)).toEqual(all.body.results.map((r: { id: string }) => r.id));
    expect(all.body.results.map((r: { id: string }) => r.id)).toEqual(ids);
  });

  it("sorts by price, filters by type, amenities and maximum price", async () => {
    const byPrice = await api.post("/api/v1/search/spaces", {
      ...point,
      radiusM: 950,
      ...window,
      sort: "price",
    });
    expect(byPrice.body.results.map((r: { id: string }) => r.id)).toEqual([...ids].reverse());
    const filtered = await api.get(
      `/api/v1/search/spaces?${query({ ...point, radiusM: 950, ...window, spaceType: "garage", amenities: "ev_charging,lit", maxPrice: 1400 })}`,
    );
    expect(filtered.status).toBe(200);
    // garages: 0, 2, 4, 6, 8; with ev_charging: 0, 6; price ≤ 1400 (2 h × hourly): 6 (2 × 300).
    expect(filtered.body.results.map((r: { id: string }) => r.id)).toEqual([ids[6]]);
  });

  it("sees a hold or booking made a moment ago, and the slot again once it is cancelled", async () => {
    const body = { ...point, radiusM: 150, ...window };
    const before = await api.post("/api/v1/search/spaces", body);
    expect(before.body.results.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    const [bookingId] = await insertBookings(t.deps.pool, [
      { spaceId: ids[0]!, driverId, status: "pending_approval", start: start + HOUR, end: start + 4 * HOUR },
    ]);
    const held = await api.post("/api/v1/search/spaces", body);
    expect(held.body.results).toEqual([]);
    await t.deps.pool.query(`update bookings set status = 'cancelled' where id = $1`, [bookingId]);
    const reopened = await api.post("/api/v1/search/spaces", body);
    expect(reopened.body.results.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
  });

  it("refuses a cursor from another search or a made-up one", async () => {
    const first = await api.get(
      `/api/v1/search/spaces?${query({ ...point, radiusM: 950, ...window, limit: 2 })}`,
    );
    const cursor = first.body.nextCursor as string;
    const other = await api.get(
      `/api/v1/search/spaces?${query({ ...point, radiusM: 900, ...window, limit: 2, cursor })}`,
    );
    expect(other.status).toBe(400);
    expectErrorShape(other.body);
    const bogus = await api.post("/api/v1/search/spaces", {
      ...point,
      ...window,
      cursor: "bm90LWEtY3Vyc29y",
    });
    expect(bogus.status).toBe(400);
    expectErrorShape(bogus.body);
  });
});

describe("search input validation", () => {
  const start = tomorrowTen();
  const good = { lat: 40.4, lng: -3.7, start: iso(start), end: iso(start + 2 * HOUR) };
  const cases: [string, Record<string, unknown>][] = [
    ["latitude above 90", { ...good, lat: 90.5 }],
    ["longitude below -180", { ...good, lng: -181 }],
    ["radius over 50 km", { ...good, radiusM: 50_001 }],
    ["radius zero", { ...good, radiusM: 0 }],
    ["end before start", { ...good, end: iso(start - HOUR) }],
    ["end equal to start", { ...good, end: good.start }],
    ["window shorter than 15 minutes", { ...good, end: iso(start + 10 * MINUTE) }],
    ["window longer than 31 days", { ...good, end: iso(start + 32 * DAY) }],
    ["start in the past", { ...good, start: iso(Date.now() - 2 * HOUR), end: iso(Date.now() + HOUR) }],
    [
      "start a year and more ahead",
      { ...good, start: iso(start + 400 * DAY), end: iso(start + 400 * DAY + HOUR) },
    ],
    ["start not on a whole minute", { ...good, start: iso(start + 30_000) }],
    ["start not a date", { ...good, start: "tomorrow" }],
    ["unknown space type", { ...good, spaceType: "castle" }],
    ["negative maximum price", { ...good, maxPrice: -1 }],
    ["limit over 100", { ...good, limit: 101 }],
    ["unknown sort", { ...good, sort: "rating" }],
    ["unknown field", { ...good, colour: "red" }],
    ["missing lat", { lng: -3.7, start: good.start, end: good.end }],
  ];

  it.each(cases)("POST refuses %s with 400 and the error shape", async (_name, body) => {
    const res = await api.post("/api/v1/search/spaces", body);
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
  });

  it.each(cases)("GET refuses %s with 400 and the error shape", async (_name, body) => {
    const params = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
    const res = await api.get(`/api/v1/search/spaces?${query(params)}`);
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
  });

  it("GET refuses numbers written loosely (empty, hex, exponent)", async () => {
    for (const lat of ["", "0x10", "1e1", "abc"]) {
      const res = await api.get(`/api/v1/search/spaces?${query({ ...good, lat })}`);
      expect(res.status, lat).toBe(400);
      expectErrorShape(res.body);
    }
  });

  it("refuses bad nearby, suggestions and popular queries", async () => {
    for (const path of [
      "/api/v1/search/nearby?lat=91&lng=0",
      "/api/v1/search/nearby?lat=40",
      "/api/v1/search/nearby?lat=40&lng=-3&radiusM=10000",
      "/api/v1/search/suggestions?q=a",
      "/api/v1/search/suggestions",
      `/api/v1/search/suggestions?q=${"x".repeat(101)}`,
      "/api/v1/search/popular?days=0",
      "/api/v1/search/popular?lat=40",
      "/api/v1/search/popular?radiusM=500",
    ]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(400);
      expectErrorShape(res.body);
    }
  });
});

describe("GET /search/nearby", () => {
  const point = at(HERE, 40_000);
  const ids: string[] = [];
  beforeAll(async () => {
    ids.push(
      ...(await insertSpaces(
        t.deps.pool,
        [
          spaceSeed(hostId, at(point, 50).lat, point.lng, { title: "Open now" }),
          spaceSeed(hostId, at(point, 80).lat, point.lng, { title: "Needs notice", minNoticeMinutes: 120 }),
          spaceSeed(hostId, at(point, 120).lat, point.lng, { title: "Booked now" }),
          spaceSeed(hostId, at(point, 200).lat, point.lng, {
            title: "Open later",
            weeklyHours: [],
            exceptions: [],
          }),
          spaceSeed(hostId, at(point, 2_000).lat, point.lng, { title: "Too far" }),
        ],
        resolutions(),
      )),
    );
    await insertBookings(t.deps.pool, [
      {
        spaceId: ids[2]!,
        driverId,
        status: "confirmed",
        start: Date.now() - HOUR,
        end: Date.now() + 3 * HOUR,
      },
    ]);
  });

  it("lists only the spaces free for the next hour within the radius, nearest first", async () => {
    const res = await api.get(`/api/v1/search/nearby?${query(point)}`);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual([ids[0]]);
    const window = res.body.window;
    expect(Date.parse(window.end) - Date.parse(window.start)).toBe(HOUR);
    expect(Date.parse(window.start)).toBeGreaterThanOrEqual(Date.now() - MINUTE);
    const wider = await api.get(`/api/v1/search/nearby?${query({ ...point, radiusM: 5_000 })}`);
    expect(wider.body.results.map((r: { id: string }) => r.id)).toEqual([ids[0], ids[4]]);
  });
});

describe("GET /search/suggestions", () => {
  const tag = randomUUID().slice(0, 6);
  const city = `Qvarnby${tag}`;
  beforeAll(async () => {
    const point = at(HERE, 60_000);
    await insertSpaces(
      t.deps.pool,
      [
        spaceSeed(hostId, point.lat, point.lng, {
          city,
          title: `Harbour garage ${tag}`,
          addressLine1: `Strandgata ${tag} 1`,
        }),
        spaceSeed(hostId, point.lat, point.lng, {
          city,
          title: "Covered bay",
          addressLine1: `Strandgata ${tag} 3`,
        }),
        spaceSeed(hostId, point.lat, point.lng, {
          city,
          title: "Closed listing",
          status: "inactive",
          addressLine1: "x",
        }),
      ],
      resolutions(),
    );
  });

  it("suggests a city by prefix with its number of active spaces", async () => {
    const res = await api.get(`/api/v1/search/suggestions?q=${city.slice(0, 9).toLowerCase()}`);
    expect(res.status).toBe(200);
    const mine = res.body.suggestions.find((s: { text: string }) => s.text === city);
    expect(mine).toMatchObject({ kind: "city", spaces: 2, spaceId: null });
  });

  it("suggests spaces by title and by street address, case-insensitively", async () => {
    const byTitle = await api.get(`/api/v1/search/suggestions?q=${encodeURIComponent(`GARAGE ${tag}`)}`);
    expect(byTitle.body.suggestions).toEqual([
      expect.objectContaining({ kind: "space", text: `Harbour garage ${tag}`, spaces: 1 }),
    ]);
    const byAddress = await api.get(
      `/api/v1/search/suggestions?q=${encodeURIComponent(`strandgata ${tag}`)}`,
    );
    expect(byAddress.body.suggestions.map((s: { text: string }) => s.text).sort()).toEqual([
      `Strandgata ${tag} 1, ${city}`,
      `Strandgata ${tag} 3, ${city}`,
    ]);
  });

  it("treats LIKE wildcards in q as plain characters", async () => {
    const res = await api.get(`/api/v1/search/suggestions?q=${encodeURIComponent("%_%")}`);
    expect(res.status).toBe(200);
    expect(res.body.suggestions).toEqual([]);
  });
});

describe("GET /search/popular", () => {
  const point = at(HERE, 80_000);
  it("ranks spaces and cells by bookings made in the period, near a point", async () => {
    const ids = await insertSpaces(
      t.deps.pool,
      [
        spaceSeed(hostId, point.lat, point.lng, { title: "Popular" }),
        spaceSeed(hostId, at(point, 1_000).lat, point.lng, { title: "Quieter" }),
      ],
      resolutions(),
    );
    const day = (n: number) => Date.now() + n * DAY;
    await insertBookings(t.deps.pool, [
      ...[1, 2, 3].map((n) => ({
        spaceId: ids[0]!,
        driverId,
        status: "confirmed",
        start: day(n),
        end: day(n) + HOUR,
      })),
      { spaceId: ids[0]!, driverId, status: "rejected", start: day(5), end: day(5) + HOUR },
      { spaceId: ids[1]!, driverId, status: "completed", start: day(-3), end: day(-3) + HOUR },
      // Made 60 days ago: outside the default 30-day period.
      ...[6, 7, 8, 9].map((n) => ({
        spaceId: ids[1]!,
        driverId,
        status: "completed",
        start: day(-70 + n),
        end: day(-70 + n) + HOUR,
        createdAt: day(-60),
      })),
    ]);
    const res = await api.get(`/api/v1/search/popular?${query({ ...point, radiusM: 3_000 })}`);
    expect(res.status).toBe(200);
    expect(res.body.spaces.map((s: { id: string; bookings: number }) => [s.id, s.bookings])).toEqual([
      [ids[0], 3],
      [ids[1], 1],
    ]);
    expect(res.body.cells[0]).toMatchObject({ bookings: 3, spaces: 1 });
    expect(res.body.cells[0].location.lat).toBeCloseTo(point.lat, 2);
    const longer = await api.get(`/api/v1/search/popular?${query({ ...point, radiusM: 3_000, days: 90 })}`);
    expect(longer.body.spaces.map((s: { id: string }) => s.id)).toEqual([ids[1], ids[0]]);
  });
});

describe("OpenAPI", () => {
  it("documents the search endpoints", async () => {
    const res = await api.get("/openapi.json");
    expect(res.status).toBe(200);
    for (const path of [
      "/api/v1/search/spaces",
      "/api/v1/search/nearby",
      "/api/v1/search/suggestions",
      "/api/v1/search/popular",
    ]) {
      expect(res.body.paths[path], path).toBeDefined();
    }
    expect(res.body.paths["/api/v1/search/spaces"].post).toBeDefined();
  });
});
