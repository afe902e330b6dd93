// Bad listings are refused with 4xx and the error shape, never 500, and nothing is written: every case
// checks the host's rows (spaces, hours, amenities, images, last update) are unchanged.
import { describe, expect, it } from "vitest";
import { hostFootprint, hostWithSpace, objectStorageDir, validSpaceBody } from "../support/space-fixtures.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp({ OBJECT_STORAGE_DIR: objectStorageDir() });
const body = validSpaceBody();

const createCases: [string, Record<string, unknown>, string][] = [
  ["latitude above 90", { location: { lat: 90.5, lng: 0 } }, "location.lat"],
  ["latitude below -90", { location: { lat: -91, lng: 0 } }, "location.lat"],
  ["longitude beyond 180", { location: { lat: 40, lng: 180.01 } }, "location.lng"],
  ["longitude below -180", { location: { lat: 40, lng: -200 } }, "location.lng"],
  ["an unknown time zone", { timezone: "Europe/Atlantis" }, "timezone"],
  ["a UTC offset instead of a zone", { timezone: "+01:00" }, "timezone"],
  ["a negative hourly price", { pricing: { currency: "EUR", hourly: -1 } }, "pricing.hourly"],
  ["a negative daily price", { pricing: { currency: "EUR", hourly: 100, daily: -500 } }, "pricing.daily"],
  ["a fractional price", { pricing: { currency: "EUR", hourly: 2.5 } }, "pricing.hourly"],
  ["an unknown currency", { pricing: { currency: "EUX", hourly: 100 } }, "pricing.currency"],
  ["an unknown country", { address: { ...body.address, country: "XX" } }, "address.country"],
  ["an unknown field", { parkingLevel: -1 }, ""],
  ["an unknown nested field", { address: { ...body.address, floor: 2 } }, "address"],
  ["an unknown space type", { spaceType: "boat" }, "spaceType"],
  ["an unknown amenity", { amenities: ["jacuzzi"] }, "amenities.0"],
  ["an unknown cancellation policy", { cancellationPolicy: "lenient" }, "cancellationPolicy"],
  ["a cancellation policy that is not a name", { cancellationPolicy: { refund: 100 } }, "cancellationPolicy"],
  [
    "a clock time past 23:59",
    { schedule: [{ dayOfWeek: 1, start: "24:30", end: "26:00" }] },
    "schedule.0.start",
  ],
  [
    "a day of week past 6",
    { schedule: [{ dayOfWeek: 7, start: "08:00", end: "10:00" }] },
    "schedule.0.dayOfWeek",
  ],
  ["no opening hours", { schedule: [] }, "schedule"],
  [
    "overlapping hours on one day",
    {
      schedule: [
        { dayOfWeek: 2, start: "08:00", end: "14:00" },
        { dayOfWeek: 2, start: "13:00", end: "18:00" },
      ],
    },
    "schedule.1",
  ],
  [
    "overnight hours that run into the next day's hours",
    {
      schedule: [
        { dayOfWeek: 5, start: "22:00", end: "06:00" },
        { dayOfWeek: 6, start: "05:00", end: "09:00" },
      ],
    },
    "schedule.1",
  ],
  [
    "Saturday overnight hours that run into Sunday's",
    {
      schedule: [
        { dayOfWeek: 0, start: "00:00", end: "12:00" },
        { dayOfWeek: 6, start: "20:00", end: "02:00" },
      ],
    },
    "schedule",
  ],
  [
    "max duration below min duration",
    { minDurationMinutes: 120, maxDurationMinutes: 60 },
    "maxDurationMinutes",
  ],
  ["max duration below the default minimum", { maxDurationMinutes: 15 }, "maxDurationMinutes"],
  ["a negative buffer", { bufferMinutes: -5 }, "bufferMinutes"],
  ["an empty title", { title: "   " }, "title"],
  ["a NUL character (PostgreSQL text cannot hold it)", { title: "Garage\u0000" }, "title"],
  ["a NUL character in the address", { address: { ...body.address, line2: "\u0000" } }, "address.line2"],
];

describe("POST /spaces refuses bad listings", () => {
  it.each(createCases)("%s", async (_name, override, path) => {
    const host = await t.signUp("host");
    const before = await hostFootprint(t, host.userId);
    const res = await host.client.post("/api/v1/spaces", { ...body, ...override });
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("validation_failed");
    const details = (res.body as any).error.details as { path: string }[];
    expect(details.some((d) => d.path.startsWith(path))).toBe(true);
    expect(await hostFootprint(t, host.userId)).toEqual(before);
  });

  it("accepts hours that only touch (end of one = start of the next)", async () => {
    const host = await t.signUp("host");
    const res = await host.client.post(
      "/api/v1/spaces",
      validSpaceBody({
        schedule: [
          { dayOfWeek: 5, start: "20:00", end: "08:00" },
          { dayOfWeek: 6, start: "08:00", end: "24:00" },
          { dayOfWeek: 0, start: "00:00", end: "00:00" },
        ],
      }),
    );
    expect(res.status).toBe(201);
    expect(res.body.schedule.map((s: any) => [s.dayOfWeek, s.startMinute, s.endMinute])).toEqual([
      [0, 0, 1440],
      [5, 1200, 1920],
      [6, 480, 1440],
    ]);
  });

  it("answers malformed JSON and a non-JSON content type with 4xx, writing nothing", async () => {
    const host = await t.signUp("host");
    const before = await hostFootprint(t, host.userId);
    const broken = await host.client.call("POST", "/api/v1/spaces", {
      raw: '{"title": "x",',
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expectErrorShape(broken.body);
    const wrongType = await host.client.call("POST", "/api/v1/spaces", {
      raw: JSON.stringify(body),
      headers: { "content-type": "text/plain" },
    });
    expect(wrongType.status).toBe(415);
    expectErrorShape(wrongType.body);
    expect(await hostFootprint(t, host.userId)).toEqual(before);
  });
});

const updateCases: [string, Record<string, unknown>][] = [
  ["latitude out of range", { location: { lat: -95, lng: 3 } }],
  ["an unknown time zone", { timezone: "Mars/Olympus_Mons" }],
  ["a negative price", { pricing: { currency: "EUR", hourly: -10 } }],
  ["an unknown field", { color: "red" }],
  ["status deleted (use DELETE)", { status: "deleted" }],
  ["an unknown cancellation policy", { cancellationPolicy: "none" }],
  ["a null cancellation policy", { cancellationPolicy: null }],
  ["a schedule (use the availability endpoint)", { schedule: [] }],
];

describe("PUT /spaces/{id} refuses bad changes", () => {
  it.each(updateCases)("%s", async (_name, change) => {
    const { host, spaceId } = await hostWithSpace(t);
    const before = await hostFootprint(t, host.userId);
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, change);
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    expect(await hostFootprint(t, host.userId)).toEqual(before);
  });
});
