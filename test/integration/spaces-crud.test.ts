// Space listings over HTTP against real PostgreSQL: create (cells, hours), read (privacy), list with
// filters and cursors, update (ownership, re-indexing, schedule refused), soft delete guarded by bookings.
import { cellToParent, latLngToCell } from "h3-js";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { availabilityRulesSchema, isOpenThroughout } from "../../src/domain/index.ts";
import {
  hostFootprint,
  hostWithSpace,
  insertBooking,
  objectStorageDir,
  signUpAdmin,
  validSpaceBody,
} from "../support/space-fixtures.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const t = createTestApp({ OBJECT_STORAGE_DIR: objectStorageDir() });

describe("POST /spaces", () => {
  it("creates a listing indexed under the H3 cells h3-js gives for its location", async () => {
    const { space, host } = await hostWithSpace(t, { location: { lat: 40.4297, lng: -3.6794 } });
    const cell = latLngToCell(40.4297, -3.6794, t.config.H3_MAP_RESOLUTION);
    expect(space.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(space.cells).toEqual({ map: cell, shard: cellToParent(cell, t.config.H3_SHARD_RESOLUTION) });
    expect(space.hostId).toBe(host.userId);
    expect(space.status).toBe("active");
    expect(space.pricing).toEqual({ currency: "EUR", hourly: 250, daily: 1800, monthly: 25000 });
    expect(space.minDurationMinutes).toBe(30);
    expect(space.maxDurationMinutes).toBeNull();
    expect(space.amenities).toEqual(["covered", "lit"]);
    expect(space.cancellationPolicy).toBe("flexible");
    const { rows } = await t.deps.pool.query(
      `select h3_cell, h3_shard_cell from parking_spaces where id = $1`,
      [space.id],
    );
    expect(rows[0]).toEqual({ h3_cell: space.cells.map, h3_shard_cell: space.cells.shard });
  });

  it("stores the cancellation policy the host picks, shown to everyone", async () => {
    const { space, spaceId } = await hostWithSpace(t, { cancellationPolicy: "strict" });
    expect(space.cancellationPolicy).toBe("strict");
    const { rows } = await t.deps.pool.query(`select cancellation_policy from parking_spaces where id = $1`, [
      spaceId,
    ]);
    expect(rows[0]).toEqual({ cancellation_policy: "strict" });
    const publicView = await t.client().get(`/api/v1/spaces/${spaceId}`);
    expect(publicView.body.cancellationPolicy).toBe("strict");
  });

  it("stores the weekly hours with overnight hours running past 1440, in the same transaction", async () => {
    const { spaceId, space } = await hostWithSpace(t);
    const { rows } = await t.deps.pool.query(
      `select day_of_week, start_minute, end_minute from space_availability where space_id = $1
       order by day_of_week`,
      [spaceId],
    );
    expect(rows).toEqual([
      { day_of_week: 1, start_minute: 480, end_minute: 1200 },
      { day_of_week: 5, start_minute: 1320, end_minute: 1800 },
      { day_of_week: 6, start_minute: 360, end_minute: 1800 },
    ]);
    expect(space.schedule).toEqual([
      { dayOfWeek: 1, start: "08:00", end: "20:00", startMinute: 480, endMinute: 1200 },
      { dayOfWeek: 5, start: "22:00", end: "06:00", startMinute: 1320, endMinute: 1800 },
      { dayOfWeek: 6, start: "06:00", end: "06:00", startMinute: 360, endMinute: 1800 },
    ]);
  });

  it("stores hours that the availability rules read as the host meant them", async () => {
    const { space } = await hostWithSpace(t);
    const rules = availabilityRulesSchema.parse({
      timeZone: space.timezone,
      weeklyHours: space.schedule.map((h: any) => ({
        dayOfWeek: h.dayOfWeek,
        startMinute: h.startMinute,
        endMinute: h.endMinute,
      })),
      exceptions: [],
      bufferMinutes: space.bufferMinutes,
      minNoticeMinutes: space.minNoticeMinutes,
      minDurationMinutes: space.minDurationMinutes,
      maxDurationMinutes: space.maxDurationMinutes,
    });
    const friday = DateTime.fromObject({ hour: 0 }, { zone: "Europe/Madrid" })
      .plus({ weeks: 1 })
      .set({ weekday: 5 });
    const window = (from: DateTime, hours: number) => ({
      start: from.toMillis(),
      end: from.plus({ hours }).toMillis(),
    });
    // Friday 22:00 → Saturday 06:00, then Saturday 06:00 → Sunday 06:00: open all the way through.
    expect(isOpenThroughout(rules, window(friday.set({ hour: 23 }), 6))).toBe(true);
    expect(isOpenThroughout(rules, window(friday.set({ hour: 22 }), 32))).toBe(true);
    expect(isOpenThroughout(rules, window(friday.set({ hour: 21 }), 2))).toBe(false);
    expect(isOpenThroughout(rules, window(friday.plus({ days: 2 }).set({ hour: 5 }), 2))).toBe(false);
  });

  it("stores the canonical spelling of the time zone", async () => {
    const { space } = await hostWithSpace(t, { timezone: "america/new_york" });
    expect(space.timezone).toBe("America/New_York");
  });

  it("refuses drivers (403) and anonymous callers (401) and writes nothing", async () => {
    const driver = await t.signUp("driver");
    const res = await driver.client.post("/api/v1/spaces", validSpaceBody());
    expect(res.status).toBe(403);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("forbidden");
    expect((await hostFootprint(t, driver.userId)).spaces).toBe(0);
    const anonymous = await t.client().post("/api/v1/spaces", validSpaceBody());
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.body);
  });

  it("replays a retried create with the same Idempotency-Key instead of listing the space twice", async () => {
    const host = await t.signUp("host");
    const headers = { "idempotency-key": `create-${host.userId}` };
    const first = await host.client.post("/api/v1/spaces", validSpaceBody(), headers);
    const retry = await host.client.post("/api/v1/spaces", validSpaceBody(), headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.id).toBe(first.body.id);
    expect((await hostFootprint(t, host.userId)).spaces).toBe(1);
  });

  it("is described in the OpenAPI document", async () => {
    const doc: any = await (await t.app.request("/openapi.json")).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/spaces",
        "/api/v1/spaces/{id}",
        "/api/v1/spaces/{id}/images",
        "/api/v1/spaces/{id}/images/{imageId}",
      ]),
    );
    expect(Object.keys(doc.paths["/api/v1/spaces/{id}/images"].post.requestBody.content)).toEqual([
      "multipart/form-data",
    ]);
    for (const schema of ["SpaceCreate", "SpaceUpdate", "Space"]) {
      expect(doc.components.schemas[schema].properties.cancellationPolicy.enum).toEqual([
        "flexible",
        "moderate",
        "strict",
      ]);
    }
  });

  it("writes an outbox event with the cells in the same transaction", async () => {
    const { spaceId, space } = await hostWithSpace(t);
    const { rows } = await t.deps.pool.query(
      `select event_type, payload from outbox where aggregate_type = 'space' and aggregate_id = $1`,
      [spaceId],
    );
    expect(rows).toEqual([
      {
        event_type: "space_created",
        payload: { hostId: space.hostId, cell: space.cells.map, shardCell: space.cells.shard },
      },
    ]);
  });
});

describe("GET /spaces/{id}", () => {
  it("is public, hiding address line 2 from everyone but the host and admins", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const anonymous = await t.client().get(`/api/v1/spaces/${spaceId}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.address).not.toHaveProperty("line2");
    expect(anonymous.body.address.line1).toBe("Calle Mayor, 10");
    const other = await t.signUp("host");
    expect((await other.client.get(`/api/v1/spaces/${spaceId}`)).body.address).not.toHaveProperty("line2");
    const own = await host.client.get(`/api/v1/spaces/${spaceId}`);
    expect(own.body.address.line2).toBe("Gate code 4321");
    const admin = await signUpAdmin(t);
    expect((await admin.client.get(`/api/v1/spaces/${spaceId}`)).body.address.line2).toBe("Gate code 4321");
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const unknown = await t.client().get("/api/v1/spaces/00000000-0000-4000-8000-000000000000");
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body);
    expect(unknown.body.error.code).toBe("not_found");
    const malformed = await t.client().get("/api/v1/spaces/not-a-uuid");
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body);
  });
});

describe("PUT /spaces/{id}", () => {
  it("changes only the fields sent", async () => {
    const { host, spaceId, space } = await hostWithSpace(t);
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      title: "Garage near Sol, renovated",
      pricing: { currency: "EUR", hourly: 300 },
      bookingMode: "request",
      amenities: ["ev_charging"],
    });
    expect(res.status).toBe(200);
    expect(res.body.title).toBe("Garage near Sol, renovated");
    expect(res.body.pricing).toEqual({ currency: "EUR", hourly: 300, daily: null, monthly: null });
    expect(res.body.bookingMode).toBe("request");
    expect(res.body.amenities).toEqual(["ev_charging"]);
    expect(res.body.address).toEqual(space.address);
    expect(res.body.schedule).toEqual(space.schedule);
    expect(res.body.cancellationPolicy).toBe("flexible");
  });

  it("changes the cancellation policy alone", async () => {
    const { host, spaceId, space } = await hostWithSpace(t);
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, { cancellationPolicy: "moderate" });
    expect(res.status).toBe(200);
    expect(res.body.cancellationPolicy).toBe("moderate");
    expect(res.body.pricing).toEqual(space.pricing);
    const again = await host.client.get(`/api/v1/spaces/${spaceId}`);
    expect(again.body.cancellationPolicy).toBe("moderate");
  });

  it("re-indexes the cells when the location moves", async () => {
    const { host, spaceId, space } = await hostWithSpace(t);
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      location: { lat: 41.3874, lng: 2.1686 },
    });
    expect(res.status).toBe(200);
    const cell = latLngToCell(41.3874, 2.1686, t.config.H3_MAP_RESOLUTION);
    expect(res.body.cells).toEqual({ map: cell, shard: cellToParent(cell, t.config.H3_SHARD_RESOLUTION) });
    expect(res.body.cells.map).not.toBe(space.cells.map);
    const { rows } = await t.deps.pool.query(`select h3_cell, lat from parking_spaces where id = $1`, [
      spaceId,
    ]);
    expect(rows[0]).toEqual({ h3_cell: cell, lat: 41.3874 });
  });

  it("lets no other host change the space (403) and lets an admin", async () => {
    const { spaceId } = await hostWithSpace(t);
    const other = await t.signUp("host");
    const refused = await other.client.put(`/api/v1/spaces/${spaceId}`, { title: "Mine now" });
    expect(refused.status).toBe(403);
    expectErrorShape(refused.body);
    const deleted = await other.client.call("DELETE", `/api/v1/spaces/${spaceId}`);
    expect(deleted.status).toBe(403);
    const { rows } = await t.deps.pool.query(`select title, status from parking_spaces where id = $1`, [
      spaceId,
    ]);
    expect(rows[0]).toEqual({ title: "Garage near Sol", status: "active" });
    const admin = await signUpAdmin(t);
    const byAdmin = await admin.client.put(`/api/v1/spaces/${spaceId}`, { title: "Checked by support" });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.title).toBe("Checked by support");
  });

  it("refuses a schedule with a 400 pointing to the availability endpoint, changing nothing", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const before = await hostFootprint(t, host.userId);
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      title: "New title",
      schedule: [{ dayOfWeek: 2, start: "08:00", end: "12:00" }],
    });
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    expect(res.body.error.message).toContain("POST /api/v1/spaces/{id}/availability");
    expect(await hostFootprint(t, host.userId)).toEqual(before);
  });

  it("refuses max duration below min duration, counting the stored minimum", async () => {
    const { host, spaceId } = await hostWithSpace(t, { minDurationMinutes: 60 });
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, { maxDurationMinutes: 45 });
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    const ok = await host.client.put(`/api/v1/spaces/${spaceId}`, { maxDurationMinutes: 240 });
    expect(ok.status).toBe(200);
    expect(ok.body.maxDurationMinutes).toBe(240);
  });

  it("refuses a time-zone change while a future booking holds the space", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const driver = await t.signUp("driver");
    const bookingId = await insertBooking(t, spaceId, driver.userId, {
      status: "confirmed",
      startsInHours: 24,
      hours: 2,
    });
    const res = await host.client.put(`/api/v1/spaces/${spaceId}`, { timezone: "Europe/Lisbon" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("space_has_bookings");
    expect(res.body.error.details.bookings.map((b: { id: string }) => b.id)).toEqual([bookingId]);
    const same = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      timezone: "Europe/Madrid",
      title: "x",
    });
    expect(same.status).toBe(200);
  });

  it("lets a booked space's pin be corrected but not moved elsewhere", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const driver = await t.signUp("driver");
    await insertBooking(t, spaceId, driver.userId, { status: "confirmed", startsInHours: 3, hours: 1 });
    // About 100 m north of the listed point: a correction.
    const nudge = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      location: { lat: 40.4178, lng: -3.7035 },
    });
    expect(nudge.status).toBe(200);
    const move = await host.client.put(`/api/v1/spaces/${spaceId}`, {
      location: { lat: 40.4297, lng: -3.6794 },
    });
    expect(move.status).toBe(409);
    expect(move.body.error.code).toBe("space_has_bookings");
    const { rows } = await t.deps.pool.query(`select lat from parking_spaces where id = $1`, [spaceId]);
    expect(rows[0].lat).toBe(40.4178);
  });
});

describe("DELETE /spaces/{id}", () => {
  it("is refused with the bookings listed while a future confirmed booking holds the space", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const driver = await t.signUp("driver");
    const confirmed = await insertBooking(t, spaceId, driver.userId, {
      status: "confirmed",
      startsInHours: 48,
      hours: 3,
    });
    await insertBooking(t, spaceId, driver.userId, { status: "cancelled", startsInHours: 72, hours: 1 });
    await insertBooking(t, spaceId, driver.userId, { status: "completed", startsInHours: -30, hours: 2 });
    const res = await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`);
    expect(res.status).toBe(409);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("space_has_bookings");
    expect((res.body as any).error.details.bookings).toEqual([
      { id: confirmed, status: "confirmed", start: expect.any(String), end: expect.any(String) },
    ]);
    const { rows } = await t.deps.pool.query(`select status from parking_spaces where id = $1`, [spaceId]);
    expect(rows[0].status).toBe("active");

    await t.deps.pool.query(`update bookings set status = 'cancelled' where id = $1`, [confirmed]);
    const retry = await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`);
    expect(retry.status).toBe(204);
  });

  it("soft-deletes: the row stays with status deleted, hidden from the public and from writes", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    expect((await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`)).status).toBe(204);
    const { rows } = await t.deps.pool.query(`select status from parking_spaces where id = $1`, [spaceId]);
    expect(rows[0].status).toBe("deleted");
    expect((await t.client().get(`/api/v1/spaces/${spaceId}`)).status).toBe(404);
    expect((await host.client.get(`/api/v1/spaces/${spaceId}`)).body.status).toBe("deleted");
    expect((await host.client.put(`/api/v1/spaces/${spaceId}`, { title: "back" })).status).toBe(404);
    expect((await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`)).status).toBe(404);
  });

  it("is blocked by a pending request too, but not by one that already ended", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const driver = await t.signUp("driver");
    const ended = await insertBooking(t, spaceId, driver.userId, {
      status: "confirmed",
      startsInHours: -5,
      hours: 2,
    });
    expect(ended).toBeTruthy();
    await insertBooking(t, spaceId, driver.userId, {
      status: "pending_approval",
      startsInHours: 5,
      hours: 1,
    });
    const res = await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`);
    expect(res.status).toBe(409);
    expect(res.body.error.details.bookings).toHaveLength(1);
    expect(res.body.error.details.bookings[0].status).toBe("pending_approval");
  });
});

describe("GET /spaces (mine)", () => {
  it("lists only my spaces, filters, and pages with a cursor", async () => {
    const host = await t.signUp("host");
    const made: string[] = [];
    for (const [i, spaceType] of ["garage", "driveway", "garage", "lot", "garage"].entries()) {
      const res = await host.client.post(
        "/api/v1/spaces",
        validSpaceBody({ title: `Space ${i}`, spaceType, bookingMode: i % 2 === 0 ? "instant" : "request" }),
      );
      expect(res.status).toBe(201);
      made.push(res.body.id);
    }
    await hostWithSpace(t); // someone else's
    expect((await host.client.call("DELETE", `/api/v1/spaces/${made[4]}`)).status).toBe(204);

    const all = await host.client.get("/api/v1/spaces");
    expect(all.status).toBe(200);
    expect(all.body.spaces.map((s: { id: string }) => s.id)).toEqual(made.slice(0, 4).reverse());
    expect(all.body.nextCursor).toBeNull();

    const garages = await host.client.get("/api/v1/spaces?spaceType=garage&bookingMode=instant&city=madrid");
    expect(garages.body.spaces.map((s: { id: string }) => s.id)).toEqual([made[2], made[0]]);
    const deleted = await host.client.get("/api/v1/spaces?status=deleted");
    expect(deleted.body.spaces.map((s: { id: string }) => s.id)).toEqual([made[4]]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await host.client.get(`/api/v1/spaces?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.spaces.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.spaces.map((s: { id: string }) => s.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.slice(0, 4).reverse());
  });

  it("answers 400 for a forged cursor or bad filter, 403 for drivers and for another host's list", async () => {
    const host = await t.signUp("host");
    const forged = await host.client.get("/api/v1/spaces?cursor=bm90LWEtY3Vyc29y");
    expect(forged.status).toBe(400);
    expectErrorShape(forged.body);
    expect((await host.client.get("/api/v1/spaces?spaceType=boat")).status).toBe(400);
    expect((await host.client.get("/api/v1/spaces?city=%00")).status).toBe(400);
    const driver = await t.signUp("driver");
    expect((await driver.client.get("/api/v1/spaces")).status).toBe(403);
    const other = await hostWithSpace(t);
    expect((await host.client.get(`/api/v1/spaces?hostId=${other.host.userId}`)).status).toBe(403);
    const admin = await signUpAdmin(t);
    const asAdmin = await admin.client.get(`/api/v1/spaces?hostId=${other.host.userId}`);
    expect(asAdmin.body.spaces.map((s: { id: string }) => s.id)).toEqual([other.spaceId]);
  });
});
