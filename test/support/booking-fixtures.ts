// Bookings for tests: spaces open around the clock (UTC) in either booking mode, future windows on
// whole hours, and what the ledger holds for a booking (row, history, outbox, command record).

import { randomUUID } from "node:crypto";
import { hostWithSpace } from "./space-fixtures.ts";
import type { TestApp } from "./test-app.ts";

const HOUR = 3_600_000;

/** Special requests that make test/support/crash-after-commit-worker.ts die right after the commit. */
export const CRASH_MARK = "crash after commit";

export const allWeek = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({
  dayOfWeek,
  start: "00:00",
  end: "24:00",
}));

/** A host and a space open every hour of the week in UTC, no buffer, 30 min notice, 30 min – 8 h. */
/** An open space's listing: every day, all day, 3 EUR an hour, 30 min to 8 h, 30 min notice. */
export const OPEN_SPACE: Readonly<Record<string, unknown>> = {
  timezone: "UTC",
  schedule: allWeek,
  bufferMinutes: 0,
  minNoticeMinutes: 30,
  minDurationMinutes: 30,
  maxDurationMinutes: 480,
  pricing: { currency: "EUR", hourly: 300, daily: null, monthly: null },
};

export function openSpace(t: TestApp, overrides: Record<string, unknown> = {}) {
  return hostWithSpace(t, { ...OPEN_SPACE, ...overrides });
}

/** A window `hours` long starting `fromNowHours` whole hours from now (days ahead, so never too soon). */
export function window(fromNowHours: number, hours = 2) {
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  const start = base + fromNowHours * HOUR;
  return { start: new Date(start).toISOString(), end: new Date(start + hours * HOUR).toISOString() };
}

/**
 * An hour starting at the next whole minute at least 10 s from now: a request for it expires at its
 * start, within about a minute (the approval deadline is never after the start).
 */
export function startingSoon(): { start: string; end: string; startMs: number } {
  const startMs = Math.ceil((Date.now() + 10_000) / 60_000) * 60_000;
  return {
    start: new Date(startMs).toISOString(),
    end: new Date(startMs + 3_600_000).toISOString(),
    startMs,
  };
}

export async function ledgerOf(t: TestApp, bookingId: string) {
  const { pool } = t.deps;
  const booking = await pool.query(`select status, driver_id as "driverId" from bookings where id = $1`, [
    bookingId,
  ]);
  const history = await pool.query(
    `select from_status as "from", to_status as "to" from booking_status_history where booking_id = $1 order by id`,
    [bookingId],
  );
  const outbox = await pool.query(
    `select event_type as "type" from outbox where aggregate_type = 'booking' and aggregate_id = $1 order by id`,
    [bookingId],
  );
  const commands = await pool.query(
    `select command_type as "type" from booking_commands where booking_id = $1`,
    [bookingId],
  );
  return {
    row: booking.rows[0] as { status: string; driverId: string } | undefined,
    history: history.rows as { from: string | null; to: string }[],
    outbox: outbox.rows.map((r) => r.type as string),
    commands: commands.rows.map((r) => r.type as string),
  };
}

export async function bookingCount(t: TestApp, where: string, params: unknown[]): Promise<number> {
  const { rows } = await t.deps.pool.query<{ n: number }>(
    `select count(*)::int as n from bookings where ${where}`,
    params,
  );
  return rows[0]!.n;
}

/**
 * Signed-in driver clients whose accounts are made straight in SQL: signing up hundreds through the
 * API would hash hundreds of passwords.
 */
export async function sqlDrivers(t: TestApp, count: number, label: string) {
  const ids = Array.from({ length: count }, () => randomUUID());
  await t.deps.pool.query(
    `insert into users (id, email, password_hash, first_name, last_name)
     select id, $2 || '-' || id || '@test.parkealo.live', 'x', 'Test', 'Driver' from unnest($1::uuid[]) id`,
    [ids, label],
  );
  await t.deps.pool.query(
    `insert into user_roles (user_id, role) select id, 'driver' from unnest($1::uuid[]) id`,
    [ids],
  );
  return Promise.all(
    ids.map(async (id) => {
      const client = t.client();
      client.setToken(await t.deps.accessTokens.sign({ userId: id, roles: ["driver"] }));
      return client;
    }),
  );
}
