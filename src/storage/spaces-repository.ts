// Parking spaces in PostgreSQL: the listing row, its weekly hours and amenities, keyset-paginated
// lists, and the bookings that hold a space's future. Functions take a Queryable so they run on the
// pool or inside a caller's transaction.
import type { CancellationPolicy } from "../domain/cancellation-policy.ts";
import type { WeeklyHoursRow } from "../domain/opening-hours.ts";
import {
  type Amenity,
  type BookingMode,
  SLOT_HOLDING_STATUSES,
  type SpaceSize,
  type SpaceStatus,
  type SpaceType,
} from "../domain/space-listing.ts";
import { afterCursor, cursorAtColumn, cutPage, type NewestFirstCursor } from "./newest-first-page.ts";
import { notifyOutbox } from "./outbox-repository.ts";
import type { Queryable } from "./postgres.ts";

/** The listing fields a host writes (everything but the weekly hours). */
export interface SpaceFields {
  title: string;
  description: string | null;
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  state: string | null;
  postalCode: string;
  country: string;
  lat: number;
  lng: number;
  h3Cell: string;
  h3ShardCell: string;
  timezone: string;
  spaceType: SpaceType;
  spaceSize: SpaceSize;
  bookingMode: BookingMode;
  currency: string;
  hourlyRate: number;
  dailyRate: number | null;
  monthlyRate: number | null;
  bufferMinutes: number;
  minNoticeMinutes: number;
  minDurationMinutes: number;
  maxDurationMinutes: number | null;
  cancellationPolicy: CancellationPolicy;
}

export interface SpaceImageSummary {
  id: string;
  contentType: string;
  sizeBytes: number;
  position: number;
}

export interface SpaceRecord extends SpaceFields {
  id: string;
  hostId: string;
  status: SpaceStatus;
  createdAt: Date;
  updatedAt: Date;
  amenities: Amenity[];
  schedule: WeeklyHoursRow[];
  images: SpaceImageSummary[];
}

const columnOf: Record<keyof SpaceFields | "status", string> = {
  title: "title",
  description: "description",
  addressLine1: "address_line1",
  addressLine2: "address_line2",
  city: "city",
  state: "state",
  postalCode: "postal_code",
  country: "country",
  lat: "lat",
  lng: "lng",
  h3Cell: "h3_cell",
  h3ShardCell: "h3_shard_cell",
  timezone: "timezone",
  spaceType: "space_type",
  spaceSize: "space_size",
  bookingMode: "booking_mode",
  currency: "currency",
  hourlyRate: "hourly_rate",
  dailyRate: "daily_rate",
  monthlyRate: "monthly_rate",
  bufferMinutes: "buffer_minutes",
  minNoticeMinutes: "min_notice_minutes",
  minDurationMinutes: "min_duration_minutes",
  maxDurationMinutes: "max_duration_minutes",
  cancellationPolicy: "cancellation_policy",
  status: "status",
};

const spaceColumns = `
  s.id, s.host_id as "hostId", s.status, s.created_at as "createdAt", s.updated_at as "updatedAt",
  ${Object.entries(columnOf)
    .filter(([field]) => field !== "status")
    .map(([field, column]) => `s.${column} as "${field}"`)
    .join(", ")},
  coalesce((select array_agg(a.amenity order by a.amenity) from space_amenities a where a.space_id = s.id), '{}')
    as amenities,
  coalesce((select json_agg(json_build_object('dayOfWeek', w.day_of_week, 'startMinute', w.start_minute,
      'endMinute', w.end_minute) order by w.day_of_week, w.start_minute)
    from space_availability w where w.space_id = s.id), '[]') as schedule,
  coalesce((select json_agg(json_build_object('id', i.id, 'contentType', i.content_type, 'sizeBytes', i.size_bytes,
      'position', i.position) order by i.position, i.created_at)
    from space_images i where i.space_id = s.id), '[]') as images`;

export async function insertSpace(
  db: Queryable,
  hostId: string,
  fields: SpaceFields & { status?: "active" | "inactive" },
  schedule: readonly WeeklyHoursRow[],
  amenities: readonly Amenity[],
): Promise<string> {
  const entries = Object.entries(fields) as [keyof SpaceFields | "status", unknown][];
  const { rows } = await db.query<{ id: string }>(
    `insert into parking_spaces (host_id, ${entries.map(([field]) => columnOf[field]).join(", ")})
     values ($1, ${entries.map((_, i) => `$${i + 2}`).join(", ")}) returning id`,
    [hostId, ...entries.map(([, value]) => value)],
  );
  const id = rows[0]!.id;
  await insertWeeklyHours(db, id, schedule);
  await replaceAmenities(db, id, amenities);
  return id;
}

export async function insertWeeklyHours(
  db: Queryable,
  spaceId: string,
  schedule: readonly WeeklyHoursRow[],
): Promise<void> {
  if (schedule.length === 0) return;
  await db.query(
    `insert into space_availability (space_id, day_of_week, start_minute, end_minute)
     select $1, unnest($2::smallint[]), unnest($3::smallint[]), unnest($4::smallint[])`,
    [
      spaceId,
      schedule.map((row) => row.dayOfWeek),
      schedule.map((row) => row.startMinute),
      schedule.map((row) => row.endMinute),
    ],
  );
}

export async function replaceAmenities(
  db: Queryable,
  spaceId: string,
  amenities: readonly Amenity[],
): Promise<void> {
  await db.query(`delete from space_amenities where space_id = $1`, [spaceId]);
  if (amenities.length === 0) return;
  await db.query(`insert into space_amenities (space_id, amenity) select $1, unnest($2::text[])`, [
    spaceId,
    [...new Set(amenities)],
  ]);
}

export async function findSpace(db: Queryable, id: string): Promise<SpaceRecord | undefined> {
  const { rows } = await db.query<SpaceRecord>(
    `select ${spaceColumns} from parking_spaces s where s.id = $1`,
    [id],
  );
  return rows[0];
}

/** Locks the space row for the rest of the caller's transaction (writers of one space take turns). */
/** What a change to a space reads under its row lock: who manages it, and where it stands. */
export interface LockedSpace {
  hostId: string;
  status: SpaceStatus;
  timezone: string;
  /** Its map cell and shard cell (H3). */
  cell: string;
  shardCell: string;
}

export async function lockSpace(db: Queryable, id: string): Promise<LockedSpace | undefined> {
  const { rows } = await db.query<LockedSpace>(
    `select host_id as "hostId", status, timezone, h3_cell as cell, h3_shard_cell as "shardCell"
       from parking_spaces where id = $1 for update`,
    [id],
  );
  return rows[0];
}

export async function updateSpace(
  db: Queryable,
  id: string,
  changes: Partial<SpaceFields> & { status?: SpaceStatus },
): Promise<void> {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined) as [
    keyof SpaceFields | "status",
    unknown,
  ][];
  const sets = entries.map(([field], i) => `${columnOf[field]} = $${i + 2}`);
  await db.query(`update parking_spaces set ${[...sets, "updated_at = now()"].join(", ")} where id = $1`, [
    id,
    ...entries.map(([, value]) => value),
  ]);
}

export interface SpaceListFilter {
  hostId?: string;
  status?: SpaceStatus;
  city?: string;
  spaceType?: SpaceType;
  bookingMode?: BookingMode;
}

export async function listSpaces(
  db: Queryable,
  filter: SpaceListFilter,
  page: { limit: number; after?: NewestFirstCursor },
): Promise<{ spaces: SpaceRecord[]; next?: NewestFirstCursor }> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.hostId) add((p) => `s.host_id = ${p}`, filter.hostId);
  if (filter.status) add((p) => `s.status = ${p}`, filter.status);
  else where.push(`s.status <> 'deleted'`);
  if (filter.city) add((p) => `lower(s.city) = lower(${p})`, filter.city);
  if (filter.spaceType) add((p) => `s.space_type = ${p}`, filter.spaceType);
  if (filter.bookingMode) add((p) => `s.booking_mode = ${p}`, filter.bookingMode);
  if (page.after) where.push(afterCursor("s", params, page.after));
  params.push(page.limit + 1);
  const { rows } = await db.query<SpaceRecord & { cursorAt: string }>(
    `select ${spaceColumns}, ${cursorAtColumn("s")}
     from parking_spaces s
     ${where.length > 0 ? `where ${where.join(" and ")}` : ""}
     order by s.created_at desc, s.id desc
     limit $${params.length}`,
    params,
  );
  const { items, next } = cutPage(rows, page.limit);
  return next ? { spaces: items, next } : { spaces: items };
}

export interface HoldingBooking {
  id: string;
  status: string;
  start: Date;
  end: Date;
}

/** Bookings that hold a slot of the space and have not ended by `now`. */
export async function futureHoldingBookings(
  db: Queryable,
  spaceId: string,
  now: Date,
  limit = 50,
): Promise<HoldingBooking[]> {
  const { rows } = await db.query<HoldingBooking>(
    `select id, status, lower(during) as start, upper(during) as "end"
       from bookings
      where space_id = $1 and status = any($2::text[]) and upper(during) > $3
      order by lower(during)
      limit $4`,
    [spaceId, SLOT_HOLDING_STATUSES, now, limit],
  );
  return rows;
}

/**
 * Appends an event to the transactional outbox (call inside the transaction that made the change);
 * the relay is woken at its commit.
 */
export async function recordSpaceEvent(
  db: Queryable,
  spaceId: string,
  eventType: "space_created" | "space_updated" | "space_deleted" | "space_schedule_changed",
  payload: Record<string, unknown>,
): Promise<void> {
  await db.query(
    `insert into outbox (aggregate_type, aggregate_id, event_type, payload) values ('space', $1, $2, $3)`,
    [spaceId, eventType, JSON.stringify(payload)],
  );
  await notifyOutbox(db);
}
