// Search keeps the rules and amenities of the spaces it has checked, by the space row's version:
// a host's change of prices, amenities, weekly hours or date exceptions shows in the very next
// search, and so does a booking made a moment ago (bookings are never cached).
import { DateTime } from "luxon";
import { beforeAll, describe, expect, it } from "vitest";
import { toSearchRequest } from "../../src/search/search-request.ts";
import { SpaceSearch } from "../../src/search/search-service.ts";
import { insertBookings, insertUser } from "../support/search-fixtures.ts";
import { hostWithSpace } from "../support/space-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const api = t.client();
// Punta Arenas: away from every other suite's spaces.
const POINT = { lat: -53.1638, lng: -70.9171 };
const ZONE = "America/Punta_Arenas";
const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "06:00", end: "22:00" }));
// Tomorrow 10:00–12:00 local.
const day = DateTime.now().setZone(ZONE).plus({ days: 1 }).startOf("day");
const window = {
  start: day.plus({ hours: 10 }).toUTC().toISO()!,
  end: day.plus({ hours: 12 }).toUTC().toISO()!,
};
const body = { ...POINT, radiusM: 300, ...window };

type Found = { id: string; price: { total: number }; amenities: string[] };
const searchHttp = async (extra: Record<string, unknown> = {}): Promise<Found[]> => {
  const res = await api.post("/api/v1/search/spaces", { ...body, ...extra });
  expect(res.status).toBe(200);
  return res.body.results;
};

let host: Awaited<ReturnType<typeof hostWithSpace>>["host"];
let spaceId = "";
beforeAll(async () => {
  ({ host, spaceId } = await hostWithSpace(t, {
    location: POINT,
    timezone: ZONE,
    pricing: { currency: "EUR", hourly: 300, daily: null, monthly: null },
    schedule: EVERY_DAY,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    amenities: ["lit"],
  }));
});

describe("search's cache of space rules", () => {
  it("shows a changed price and amenities in the next search", async () => {
    const [first] = await searchHttp();
    expect(first).toMatchObject({ id: spaceId, price: { total: 600 }, amenities: ["lit"] });
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      pricing: { currency: "EUR", hourly: 450, daily: null, monthly: null },
      amenities: ["ev_charging", "lit"],
    });
    expect(res.status).toBe(200);
    const [after] = await searchHttp();
    expect(after).toMatchObject({ id: spaceId, price: { total: 900 }, amenities: ["ev_charging", "lit"] });
    expect((await searchHttp({ amenities: ["ev_charging"] })).map((r) => r.id)).toEqual([spaceId]);
  });

  it("drops a space whose hours or exceptions no longer cover the window at once, and lists it again", async () => {
    expect((await searchHttp()).map((r) => r.id)).toEqual([spaceId]);
    const path = `/api/v1/spaces/${spaceId}/availability`;
    const mornings = EVERY_DAY.map((d) => ({ ...d, end: "11:00" }));
    expect((await host.client.post(path, { schedule: mornings })).status).toBe(200);
    expect(await searchHttp()).toEqual([]);
    expect((await host.client.post(path, { schedule: EVERY_DAY })).status).toBe(200);
    expect((await searchHttp()).map((r) => r.id)).toEqual([spaceId]);
    const closed = { exceptions: [{ date: day.toISODate()!, kind: "closed" }] };
    expect((await host.client.post(path, closed)).status).toBe(200);
    expect(await searchHttp()).toEqual([]);
    expect((await host.client.post(path, { exceptions: [] })).status).toBe(200);
    expect((await searchHttp()).map((r) => r.id)).toEqual([spaceId]);
  });

  it("sees a booking made a moment ago while the space's rules are cached", async () => {
    expect((await searchHttp()).map((r) => r.id)).toEqual([spaceId]);
    const driverId = await insertUser(t.deps.pool, "cache-driver");
    const start = Date.parse(window.start) + 30 * 60_000;
    const [bookingId] = await insertBookings(t.deps.pool, [
      { spaceId, driverId, status: "confirmed", start, end: start + 60 * 60_000 },
    ]);
    expect(await searchHttp()).toEqual([]);
    await t.deps.pool.query(`update bookings set status = 'cancelled' where id = $1`, [bookingId]);
    expect((await searchHttp()).map((r) => r.id)).toEqual([spaceId]);
  });

  it("reuses the cached rules while the row's version stays, and reads them again once it moves", async () => {
    const search = new SpaceSearch(t.deps.pool, {
      feeBasisPoints: t.config.PLATFORM_FEE_BASIS_POINTS,
      mapResolution: t.config.H3_MAP_RESOLUTION,
    });
    // The price orders keep rules by version; the distance order reads them with every row.
    const request = toSearchRequest({ ...body, sort: "price" }, Date.now());
    const nearest = toSearchRequest({ ...body, sort: "distance" }, Date.now());
    await search.search(nearest, Date.now());
    expect(search.rulesCache.get(spaceId)).toBeUndefined();
    await search.search(request, Date.now());
    const cached = search.rulesCache.get(spaceId);
    expect(cached).toBeDefined();
    await search.search(request, Date.now());
    expect(search.rulesCache.get(spaceId)).toBe(cached);
    await t.deps.pool.query(`update space_availability set end_minute = 660 where space_id = $1`, [spaceId]);
    // Proof that the cache answers: a write behind the API's back, without moving the version, is not
    // seen in price order, while the distance order, which reads rules with its rows, sees it at once.
    expect((await search.search(request, Date.now())).results.map((r) => r.id)).toEqual([spaceId]);
    expect((await search.search(nearest, Date.now())).results).toEqual([]);
    await t.deps.pool.query(`update parking_spaces set updated_at = now() where id = $1`, [spaceId]);
    expect((await search.search(request, Date.now())).results).toEqual([]);
    const reread = search.rulesCache.get(spaceId);
    expect(reread).not.toBe(cached);
    expect(reread?.rules.weeklyHours.every((h) => h.endMinute === 660)).toBe(true);
  });
});
