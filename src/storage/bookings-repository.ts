// Reads of the booking ledger for the REST API: one booking with its space's host and its status
// history, pages of bookings by driver or by space (newest first, keyset cursor), and where a
// space's actor lives (its shard cell). Writes go through the space actor only.
import type { Queryable } from "./postgres.ts";

export interface BookingRecord {
  id: string;
  spaceId: string;
  hostId: string;
  driverId: string;
  status: string;
  start: number;
  end: number;
  expiresAt: number | null;
  currency: string;
  totalAmount: number;
  platformFee: number;
  hostEarnings: number;
  vehicle: { make: string; model: string; color: string; licensePlate: string } | null;
  specialRequests: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface StatusChange {
  from: string | null;
  to: string;
  changedBy: string | null;
  reason: string | null;
  at: string;
}

/** Position in a newest-first list: created_at to the microsecond (as text) and id. */
export interface BookingListCursor {
  createdAt: string;
  id: string;
}

const COLUMNS = `b.id, b.space_id as "spaceId", s.host_id as "hostId", b.driver_id as "driverId", b.status,
  (extract(epoch from lower(b.during)) * 1000)::int8 as start,
  (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
  (extract(epoch from b.expires_at) * 1000)::int8 as "expiresAt",
  b.currency, b.total_amount as "totalAmount", b.platform_fee as "platformFee",
  b.host_earnings as "hostEarnings", b.vehicle, b.special_requests as "specialRequests",
  to_char(b.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt",
  to_char(b.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt"`;

type Row = Omit<BookingRecord, "start" | "end" | "expiresAt"> & {
  start: string;
  end: string;
  expiresAt: string | null;
};

function toRecord(row: Row): BookingRecord {
  return {
    ...row,
    start: Number(row.start),
    end: Number(row.end),
    expiresAt: row.expiresAt === null ? null : Number(row.expiresAt),
  };
}

export async function findBookingRecord(db: Queryable, id: string): Promise<BookingRecord | undefined> {
  const { rows } = await db.query<Row>(
    `select ${COLUMNS} from bookings b join parking_spaces s on s.id = b.space_id where b.id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : toRecord(rows[0]);
}

export async function bookingHistory(db: Queryable, bookingId: string): Promise<StatusChange[]> {
  const { rows } = await db.query<StatusChange>(
    `select from_status as "from", to_status as "to", changed_by as "changedBy", reason,
            to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "at"
       from booking_status_history where booking_id = $1 order by id`,
    [bookingId],
  );
  return rows;
}

export async function listBookings(
  db: Queryable,
  filter: { driverId: string } | { spaceId: string },
  page: { limit: number; status?: string; after?: BookingListCursor },
): Promise<{ bookings: BookingRecord[]; next?: BookingListCursor }> {
  const params: unknown[] = [];
  const where: string[] = [];
  if ("driverId" in filter) {
    params.push(filter.driverId);
    where.push(`b.driver_id = $${params.length}`);
  } else {
    params.push(filter.spaceId);
    where.push(`b.space_id = $${params.length}`);
  }
  if (page.status) {
    params.push(page.status);
    where.push(`b.status = $${params.length}`);
  }
  if (page.after) {
    params.push(page.after.createdAt, page.after.id);
    where.push(`(b.created_at, b.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(page.limit + 1);
  const { rows } = await db.query<Row>(
    `select ${COLUMNS} from bookings b join parking_spaces s on s.id = b.space_id
      where ${where.join(" and ")} order by b.created_at desc, b.id desc limit $${params.length}`,
    params,
  );
  const more = rows.length > page.limit;
  const bookings = rows.slice(0, page.limit).map(toRecord);
  const last = bookings.at(-1);
  return more && last ? { bookings, next: { createdAt: last.createdAt, id: last.id } } : { bookings };
}

export interface SpaceRouting {
  hostId: string;
  status: "active" | "inactive" | "deleted";
  shardCell: string;
  /** Whether its requests wait for the host's approval ("request") or are decided at once. */
  bookingMode: "instant" | "request";
}

/**
 * What the gateway needs to address spaces' actors and check who manages them, for several spaces in
 * one query, by id (missing spaces are left out).
 */
export async function findSpaceRoutings(
  db: Queryable,
  spaceIds: readonly string[],
): Promise<Map<string, SpaceRouting>> {
  const { rows } = await db.query<SpaceRouting & { id: string }>({
    name: "bookings-space-routings",
    text: `select id, host_id as "hostId", status, h3_shard_cell as "shardCell", booking_mode as "bookingMode"
             from parking_spaces where id = any($1::uuid[])`,
    values: [spaceIds],
  });
  return new Map(rows.map(({ id, ...routing }) => [id, routing]));
}
