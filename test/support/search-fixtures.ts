// Spaces, schedules, amenities and bookings written straight into the ledger with bulk SQL
// (jsonb_to_recordset), for search tests and the search benchmark.
import type { DateException, WeeklyHours } from "../../src/domain/index.ts";
import { cellsOf } from "../../src/geo/h3-cells.ts";
import type { Queryable } from "../../src/storage/postgres.ts";

export interface SpaceSeed {
  hostId: string;
  title: string;
  addressLine1: string;
  city: string;
  postalCode: string;
  country: string;
  lat: number;
  lng: number;
  timezone: string;
  spaceType: string;
  spaceSize: string;
  bookingMode: "instant" | "request";
  currency: string;
  hourly: number;
  daily: number | null;
  monthly: number | null;
  bufferMinutes: number;
  minNoticeMinutes: number;
  minDurationMinutes: number;
  maxDurationMinutes: number | null;
  status: "active" | "inactive" | "deleted";
  weeklyHours: readonly WeeklyHours[];
  exceptions: readonly DateException[];
  amenities: readonly string[];
}

export interface BookingSeed {
  spaceId: string;
  driverId: string;
  status: string;
  start: number;
  end: number;
  /** When the booking was made (default now). */
  createdAt?: number;
}

/** Inserts `spaces` (cells computed at the given resolutions); returns their ids in order. */
export async function insertSpaces(
  db: Queryable,
  spaces: readonly SpaceSeed[],
  resolutions: { map: number; shard: number },
  chunkSize = 2_000,
): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < spaces.length; from += chunkSize) {
    const chunk = spaces.slice(from, from + chunkSize);
    const rows = chunk.map((s) => {
      const { cell, shardCell } = cellsOf(s.lat, s.lng, resolutions);
      return {
        host_id: s.hostId,
        title: s.title,
        address_line1: s.addressLine1,
        city: s.city,
        postal_code: s.postalCode,
        country: s.country,
        lat: s.lat,
        lng: s.lng,
        h3_cell: cell,
        h3_shard_cell: shardCell,
        timezone: s.timezone,
        space_type: s.spaceType,
        space_size: s.spaceSize,
        booking_mode: s.bookingMode,
        currency: s.currency,
        hourly_rate: s.hourly,
        daily_rate: s.daily,
        monthly_rate: s.monthly,
        buffer_minutes: s.bufferMinutes,
        min_notice_minutes: s.minNoticeMinutes,
        min_duration_minutes: s.minDurationMinutes,
        max_duration_minutes: s.maxDurationMinutes,
        status: s.status,
      };
    });
    const { rows: inserted } = await db.query<{ id: string }>(
      `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
         h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate, daily_rate,
         monthly_rate, buffer_minutes, min_notice_minutes, min_duration_minutes, max_duration_minutes, status)
       select host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell, h3_shard_cell, timezone,
         space_type, space_size, booking_mode, currency, hourly_rate, daily_rate, monthly_rate, buffer_minutes,
         min_notice_minutes, min_duration_minutes, max_duration_minutes, status
         from rows from (jsonb_to_recordset($1::jsonb) as (host_id uuid, title text, address_line1 text,
           city text, postal_code text, country text, lat float8, lng float8, h3_cell text, h3_shard_cell text,
           timezone text, space_type text, space_size text, booking_mode text, currency text, hourly_rate int,
           daily_rate int, monthly_rate int, buffer_minutes int, min_notice_minutes int, min_duration_minutes int,
           max_duration_minutes int, status text)) with ordinality as x
        order by x.ordinality
       returning id`,
      [JSON.stringify(rows)],
    );
    const chunkIds = inserted.map((row) => row.id);
    ids.push(...chunkIds);
    const hours = chunk.flatMap((s, i) =>
      s.weeklyHours.map((h) => ({
        space_id: chunkIds[i],
        day: h.dayOfWeek,
        start: h.startMinute,
        end: h.endMinute,
      })),
    );
    await db.query(
      `insert into space_availability (space_id, day_of_week, start_minute, end_minute)
       select space_id, day, start, "end" from jsonb_to_recordset($1::jsonb)
         as x(space_id uuid, day int, start int, "end" int)`,
      [JSON.stringify(hours)],
    );
    const exceptions = chunk.flatMap((s, i) =>
      s.exceptions.map((e) => ({
        space_id: chunkIds[i],
        local_date: e.localDate,
        kind: e.kind,
        start_minute: e.startMinute ?? null,
        end_minute: e.endMinute ?? null,
      })),
    );
    if (exceptions.length > 0) {
      await db.query(
        `insert into space_availability_exceptions (space_id, local_date, kind, start_minute, end_minute)
         select space_id, local_date, kind, start_minute, end_minute from jsonb_to_recordset($1::jsonb)
           as x(space_id uuid, local_date date, kind text, start_minute int, end_minute int)`,
        [JSON.stringify(exceptions)],
      );
    }
    const amenities = chunk.flatMap((s, i) =>
      s.amenities.map((amenity) => ({ space_id: chunkIds[i], amenity })),
    );
    if (amenities.length > 0) {
      await db.query(
        `insert into space_amenities (space_id, amenity)
         select space_id, amenity from jsonb_to_recordset($1::jsonb) as x(space_id uuid, amenity text)`,
        [JSON.stringify(amenities)],
      );
    }
  }
  return ids;
}

/** Inserts bookings (the exclusion constraint still refuses overlapping slot-holding ones). */
export async function insertBookings(db: Queryable, bookings: readonly BookingSeed[]): Promise<string[]> {
  if (bookings.length === 0) return [];
  const rows = bookings.map((b) => ({
    space_id: b.spaceId,
    driver_id: b.driverId,
    status: b.status,
    lower: new Date(b.start).toISOString(),
    upper: new Date(b.end).toISOString(),
    created_at: new Date(b.createdAt ?? Date.now()).toISOString(),
  }));
  const { rows: inserted } = await db.query<{ id: string }>(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings,
       created_at)
     select space_id, driver_id, status, tstzrange(lower, upper, '[)'), 'EUR', 1000, 100, 900, created_at
       from rows from (jsonb_to_recordset($1::jsonb) as (space_id uuid, driver_id uuid, status text,
         lower timestamptz, upper timestamptz, created_at timestamptz)) with ordinality as x
      order by x.ordinality
     returning id`,
    [JSON.stringify(rows)],
  );
  return inserted.map((row) => row.id);
}

/** A user row to own spaces or make bookings (no password login needed). */
export async function insertUser(db: Queryable, label: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into users (email, password_hash, first_name, last_name)
     values ($1, 'not-a-login', 'Search', 'Fixture') returning id`,
    [`${label}-${Math.random().toString(36).slice(2)}@search.test.parkealo.live`],
  );
  return rows[0]!.id;
}

/** A plain, always-open space at (lat, lng) to adjust per test. */
export function spaceSeed(
  hostId: string,
  lat: number,
  lng: number,
  overrides: Partial<SpaceSeed> = {},
): SpaceSeed {
  return {
    hostId,
    title: "Covered space",
    addressLine1: "Calle Mayor 1",
    city: "Madrid",
    postalCode: "28013",
    country: "ES",
    lat,
    lng,
    timezone: "Europe/Madrid",
    spaceType: "garage",
    spaceSize: "standard",
    bookingMode: "instant",
    currency: "EUR",
    hourly: 300,
    daily: 2_000,
    monthly: null,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    minDurationMinutes: 15,
    maxDurationMinutes: null,
    status: "active",
    weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 0, endMinute: 1440 })),
    exceptions: [],
    amenities: [],
    ...overrides,
  };
}
