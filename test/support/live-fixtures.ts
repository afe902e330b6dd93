// Ledger rows for live-availability tests: a host and parking spaces written straight to
// PostgreSQL at chosen points, each test in its own random map cell so suites never collide.
import { randomBytes, randomInt } from "node:crypto";
import { latLngToCell } from "h3-js";
import type { Config } from "../../src/config/index.ts";
import { cellsOf } from "../../src/geo/h3-cells.ts";
import type { Pool } from "../../src/storage/postgres.ts";

/** A random point on land-ish latitudes, far enough apart between calls to fall in distinct cells. */
export function randomPoint() {
  return { lat: randomInt(-50_000, 60_000) / 1000, lng: randomInt(-170_000, 170_000) / 1000 };
}

/** `n` points inside the map cell of `center` (small offsets around it). */
export function pointsInCell(center: { lat: number; lng: number }, n: number, mapResolution: number) {
  const cell = latLngToCell(center.lat, center.lng, mapResolution);
  const points: Array<{ lat: number; lng: number }> = [];
  for (let i = 0; points.length < n && i < n * 50; i++) {
    const p = { lat: center.lat + randomInt(-400, 400) / 1e6, lng: center.lng + randomInt(-400, 400) / 1e6 };
    if (latLngToCell(p.lat, p.lng, mapResolution) === cell) points.push(p);
  }
  return { cell, points };
}

export async function insertHost(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into users (email, password_hash, first_name, last_name)
     values ($1, 'x', 'Live', 'Host') returning id`,
    [`live-host-${randomBytes(6).toString("hex")}@test.parkealo.live`],
  );
  await pool.query("insert into user_roles (user_id, role) values ($1, 'driver'), ($1, 'host')", [
    rows[0]!.id,
  ]);
  return rows[0]!.id;
}

export interface SpaceRow {
  id: string;
  lat: number;
  lng: number;
  cell: string;
  hourly: number;
}

export async function insertSpace(
  pool: Pool,
  config: Config,
  hostId: string,
  point: { lat: number; lng: number },
  options: { hourly?: number; timezone?: string; bookingMode?: "instant" | "request" } = {},
): Promise<SpaceRow> {
  const { cell, shardCell } = cellsOf(point.lat, point.lng, {
    map: config.H3_MAP_RESOLUTION,
    shard: config.H3_SHARD_RESOLUTION,
  });
  const hourly = options.hourly ?? 250;
  const { rows } = await pool.query<{ id: string }>(
    `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
       h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate)
     values ($1, 'Test space', 'Street 1', 'Madrid', '28001', 'ES', $2, $3, $4, $5, $6, 'garage', 'standard',
       $7, 'EUR', $8) returning id`,
    [
      hostId,
      point.lat,
      point.lng,
      cell,
      shardCell,
      options.timezone ?? "UTC",
      options.bookingMode ?? "instant",
      hourly,
    ],
  );
  return { id: rows[0]!.id, lat: point.lat, lng: point.lng, cell, hourly };
}

/** Many spaces at once (one statement), all instant, always open (no weekly hours). */
export async function insertSpaces(
  pool: Pool,
  config: Config,
  hostId: string,
  points: ReadonlyArray<{ lat: number; lng: number }>,
): Promise<SpaceRow[]> {
  const rows = points.map((p) => ({
    ...p,
    ...cellsOf(p.lat, p.lng, { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION }),
  }));
  const { rows: inserted } = await pool.query<{ id: string; lat: number; lng: number; h3_cell: string }>(
    `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
       h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate)
     select $1, 'Test space', 'Street 1', 'Madrid', '28001', 'ES', x.lat, x.lng, x.cell, x."shardCell", 'UTC',
       'garage', 'standard', 'instant', 'EUR', 250
       from jsonb_to_recordset($2::jsonb) as x(lat float8, lng float8, cell text, "shardCell" text)
     returning id, lat, lng, h3_cell`,
    [hostId, JSON.stringify(rows)],
  );
  return inserted.map((r) => ({ id: r.id, lat: r.lat, lng: r.lng, cell: r.h3_cell, hourly: 250 }));
}
