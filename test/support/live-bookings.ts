// Bookings for the live end-to-end suites: drivers made in SQL with a signed token, the real
// POST /api/v1/bookings on a spawned gateway, booking windows on whole minutes, and a request-to-book
// whose stay has already begun (seeded in the ledger: the API only takes windows that start later),
// so approving or rejecting it moves the map between held, occupied and available.
import { randomUUID } from "node:crypto";
import type { AccessTokens } from "../../src/auth/access-tokens.ts";
import type { Pool } from "../../src/storage/postgres.ts";
import type { SpaceRow } from "./live-fixtures.ts";

const MINUTE = 60_000;

export interface LiveDriver {
  id: string;
  token: string;
}

export async function insertDriver(pool: Pool, tokens: AccessTokens): Promise<LiveDriver> {
  const id = randomUUID();
  await pool.query(
    `insert into users (id, email, password_hash, first_name, last_name)
     values ($1::uuid, 'live-driver-' || $1::text || '@test.parkealo.live', 'x', 'Dana', 'Driver')`,
    [id],
  );
  await pool.query("insert into user_roles (user_id, role) values ($1, 'driver')", [id]);
  return { id, token: await tokens.sign({ userId: id, roles: ["driver"] }) };
}

/** A window on whole minutes, `fromNowMinutes` after the next whole minute, `minutes` long. */
export function futureWindow(fromNowMinutes: number, minutes = 60) {
  const start = Math.ceil(Date.now() / MINUTE) * MINUTE + fromNowMinutes * MINUTE;
  return { start: new Date(start).toISOString(), end: new Date(start + minutes * MINUTE).toISOString() };
}

/** POST /api/v1/bookings on a gateway process, as `driver`. */
export async function requestBooking(
  gatewayUrl: string,
  driver: LiveDriver,
  body: { spaceId: string; start: string; end: string },
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gatewayUrl}/api/v1/bookings`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${driver.token}`,
      "content-type": "application/json",
      "idempotency-key": randomUUID(),
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/**
 * A pending request-to-book on `space` whose stay began a minute ago and lasts an hour, its host's
 * deadline half an hour away. Seed it before the space's actor first runs (it reads the ledger then).
 */
export async function seedPendingStay(pool: Pool, space: SpaceRow, driverId: string) {
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const end = start + 60 * MINUTE;
  const { rows } = await pool.query<{ id: string }>(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee,
       host_earnings, expires_at)
     values ($1, $2, 'pending_approval', tstzrange($3, $4, '[)'), 'EUR', 250, 25, 225, $5)
     returning id`,
    [space.id, driverId, new Date(start), new Date(end), new Date(Date.now() + 30 * MINUTE)],
  );
  await pool.query(
    "insert into booking_status_history (booking_id, to_status, changed_by) values ($1, 'pending_approval', $2)",
    [rows[0]!.id, driverId],
  );
  return { bookingId: rows[0]!.id, start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

/** A confirmed stay over [start, end) (epoch ms) written straight to the ledger: no actor hears of it. */
export async function insertStay(pool: Pool, space: SpaceRow, driverId: string, start: number, end: number) {
  const { rows } = await pool.query<{ id: string }>(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
     values ($1, $2, 'confirmed', tstzrange($3, $4, '[)'), 'EUR', 250, 25, 225) returning id`,
    [space.id, driverId, new Date(start), new Date(end)],
  );
  return rows[0]!.id;
}
