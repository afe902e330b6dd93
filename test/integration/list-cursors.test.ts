// Cursors sent back to the lists and to search are checked whole before any query: a timestamp that
// is not a real instant, an id that is not a uuid, or sort keys out of range are a 400 with the error
// shape, never a database error.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { searchFingerprint } from "../../src/search/search-cursor.ts";
import { searchBodySchema, toSearchRequest } from "../../src/search/search-request.ts";
import { hostWithSpace, signUpAdmin } from "../support/space-fixtures.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp();

const listCursor = (createdAt: unknown, id: unknown) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString("base64url");

const forgedListCursors = [
  listCursor("2024-13-99T99:99:99.000000Z", randomUUID()),
  listCursor("2024-02-30T10:00:00.000000Z", randomUUID()),
  listCursor("2024-01-01T24:00:00.000000Z", randomUUID()),
  listCursor("0000-01-01T00:00:00.000000Z", randomUUID()),
  listCursor("2024-01-01T10:00:00.000000Z", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
  listCursor("2024-01-01T10:00:00.000000Z", 42),
];

describe("list cursors", () => {
  let paths: string[] = [];
  let admin: Awaited<ReturnType<typeof signUpAdmin>>;

  beforeAll(async () => {
    const { host, spaceId } = await hostWithSpace(t);
    admin = await signUpAdmin(t);
    paths = [
      "/api/v1/bookings",
      `/api/v1/users/${host.userId}/bookings`,
      `/api/v1/spaces/${spaceId}/bookings`,
      "/api/v1/spaces",
    ];
  });

  it("answers 400 for a timestamp that is not a real instant or an id that is not a uuid", async () => {
    for (const path of paths) {
      for (const cursor of forgedListCursors) {
        const res = await admin.client.get(`${path}?cursor=${cursor}`);
        expect({ path, cursor, status: res.status }).toEqual({ path, cursor, status: 400 });
        expectErrorShape(res.body);
        expect(res.body.error.code).toBe("validation_failed");
      }
    }
  });

  it("still pages with a cursor the API gave out", async () => {
    const valid = listCursor("2024-01-01T10:00:00.123456Z", randomUUID());
    for (const path of paths) {
      const res = await admin.client.get(`${path}?cursor=${valid}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });
});

describe("search cursors", () => {
  const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3 * 86_400_000;
  const window = { start: new Date(start).toISOString(), end: new Date(start + 7_200_000).toISOString() };
  const ask = { lat: 64.2, lng: -21.9, radiusM: 500, sort: "price", ...window };

  it("answers 400 for sort keys out of range", async () => {
    const api = t.client();
    const first = await api.post("/api/v1/search/spaces", ask);
    expect(first.status).toBe(200);
    // A real cursor of this search carries its fingerprint; forge the keys around it.
    const q = searchFingerprint(toSearchRequest(searchBodySchema.parse(ask), Date.now()));
    const forged = [
      { v: 1, q, p: 1e20, d: 0, id: randomUUID() },
      { v: 1, q, p: 100, d: 1e300, id: randomUUID() },
      { v: 1, q, p: 100, d: -1, id: randomUUID() },
      { v: 1, q, p: 100, d: 0, id: "not-a-uuid" },
    ];
    for (const body of forged) {
      const cursor = Buffer.from(JSON.stringify(body)).toString("base64url");
      const res = await api.post("/api/v1/search/spaces", { ...ask, cursor });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expectErrorShape(res.body);
    }
  });
});
