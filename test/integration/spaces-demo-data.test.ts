// The `npm start` demo seed stores listings exactly as POST /spaces does: it is seeded into a database
// of its own (so other suites never see it), then compared with the API's rows for the same body.
import { randomBytes } from "node:crypto";
import { cellToParent, latLngToCell } from "h3-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSpaces, seedDemoData } from "../../devstack/demo-data.ts";
import { findOverlap } from "../../src/domain/opening-hours.ts";
import { migrate } from "../../src/storage/migrate.ts";
import { objectStorageDir } from "../support/space-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp({ OBJECT_STORAGE_DIR: objectStorageDir() });
const resolutions = { map: t.config.H3_MAP_RESOLUTION, shard: t.config.H3_SHARD_RESOLUTION };
const demoDatabase = `demo_check_${randomBytes(4).toString("hex")}`;
let demo: pg.Pool;

beforeAll(async () => {
  await t.deps.pool.query(`create database ${demoDatabase}`);
  const url = new URL(t.config.DATABASE_URL);
  url.pathname = `/${demoDatabase}`;
  await migrate(url.toString());
  demo = new pg.Pool({ connectionString: url.toString(), max: 2 });
  await seedDemoData(demo, resolutions);
});

afterAll(async () => {
  await demo?.end();
  await t.deps.pool.query(`drop database if exists ${demoDatabase}`);
});

const listingColumns = `title, description, address_line1, address_line2, city, state, postal_code, country,
  lat, lng, h3_cell, h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate,
  daily_rate, monthly_rate, buffer_minutes, min_notice_minutes, min_duration_minutes, max_duration_minutes, status`;

async function storedListing(db: pg.Pool | typeof t.deps.pool, where: string, params: unknown[]) {
  const { rows } = await db.query(
    `select s.id, ${listingColumns},
       (select json_agg(json_build_array(day_of_week, start_minute, end_minute) order by day_of_week, start_minute)
          from space_availability a where a.space_id = s.id) as hours,
       (select coalesce(array_agg(amenity order by amenity), '{}') from space_amenities m where m.space_id = s.id)
          as amenities
     from parking_spaces s where ${where}`,
    params,
  );
  return rows;
}

describe("demo data", () => {
  it("seeds every demo listing, in more than one time zone", async () => {
    const { rows } = await demo.query(
      `select timezone, count(*)::int as n from parking_spaces group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { timezone: "Atlantic/Canary", n: 120 },
      { timezone: "Europe/Madrid", n: 2400 },
    ]);
    expect(demoSpaces()).toHaveLength(2520);
  });

  it("indexes every space under the cells h3-js gives for its location", async () => {
    const { rows } = await demo.query(`select lat, lng, h3_cell, h3_shard_cell from parking_spaces`);
    for (const row of rows) {
      const cell = latLngToCell(row.lat, row.lng, resolutions.map);
      expect([row.h3_cell, row.h3_shard_cell]).toEqual([cell, cellToParent(cell, resolutions.shard)]);
    }
    expect(new Set(rows.map((row) => row.h3_cell)).size).toBeGreaterThan(100);
  });

  it("never stores overlapping weekly hours", async () => {
    const { rows } = await demo.query(
      `select space_id, json_agg(json_build_object('dayOfWeek', day_of_week, 'startMinute', start_minute,
         'endMinute', end_minute)) as rows from space_availability group by space_id`,
    );
    expect(rows).toHaveLength(2520);
    for (const space of rows) expect(findOverlap(space.rows)).toBeUndefined();
  });

  it("stores each kind of listing exactly as POST /spaces stores the same body", async () => {
    const host = await t.signUp("host");
    const firstOfEachKind = new Map<string, ReturnType<typeof demoSpaces>[number]["body"]>();
    for (const { body } of demoSpaces()) {
      const key = `${body.spaceType}/${body.timezone}`;
      if (!firstOfEachKind.has(key)) firstOfEachKind.set(key, body);
    }
    expect(firstOfEachKind.size).toBeGreaterThanOrEqual(8);
    for (const body of firstOfEachKind.values()) {
      const res = await host.client.post("/api/v1/spaces", body);
      expect(res.status).toBe(201);
      const [viaApi] = await storedListing(t.deps.pool, "s.id = $1", [res.body.id]);
      const seeded = await storedListing(demo, "s.lat = $1 and s.lng = $2", [
        body.location.lat,
        body.location.lng,
      ]);
      expect(seeded).toHaveLength(1);
      const { id: _a, ...apiRow } = viaApi;
      const { id: _b, ...seededRow } = seeded[0]!;
      expect(seededRow).toEqual(apiRow);
    }
  });
});
