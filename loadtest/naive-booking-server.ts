// The booking benchmark's baseline: POST /api/v1/bookings as a plain Hono + PostgreSQL server would
// write it, no actors. Same body, same JWT check, same answers (201 / 409 slot_unavailable / 422),
// decided by read-check-write in one transaction: the space row `FOR UPDATE`, its hours, exceptions
// and overlapping bookings, the domain's checkWindow and priceWindow, then the booking row, its
// status history and an outbox event. Run as its own process by loadtest/booking-bench.ts:
//   DATABASE_URL=… JWT_SECRET=… HTTP_PORT=… node --import tsx loadtest/naive-booking-server.ts
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { BookingCreate } from "../gateway/http/booking-schemas.ts";
import { AccessTokens } from "../src/auth/access-tokens.ts";
import { loadConfigOrExit } from "../src/config/index.ts";
import { checkWindow, priceWindow, SLOT_HOLDING_STATUSES } from "../src/domain/index.ts";
import { AppError } from "../src/errors.ts";
import { createPool, PG_EXCLUSION_VIOLATION, pgErrorCode, withTransaction } from "../src/storage/postgres.ts";

const config = loadConfigOrExit();
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
const accessTokens = new AccessTokens(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_SECONDS);
const MINUTE = 60_000;

const fail = (status: 401 | 403 | 404 | 409 | 422 | 400, code: string, message: string) =>
  new AppError(code as never, status, message);

interface SpaceRow {
  status: string;
  bookingMode: "instant" | "request";
  currency: string;
  hourly: number;
  daily: number | null;
  monthly: number | null;
  timeZone: string;
  bufferMinutes: number;
  minNoticeMinutes: number;
  minDurationMinutes: number;
  maxDurationMinutes: number | null;
}

async function book(driverId: string, spaceId: string, start: number, end: number) {
  const now = Date.now();
  return withTransaction(pool, async (db) => {
    const { rows } = await db.query<SpaceRow>(
      `select status, booking_mode as "bookingMode", currency, hourly_rate as hourly, daily_rate as daily,
              monthly_rate as monthly, timezone as "timeZone", buffer_minutes as "bufferMinutes",
              min_notice_minutes as "minNoticeMinutes", min_duration_minutes as "minDurationMinutes",
              max_duration_minutes as "maxDurationMinutes"
         from parking_spaces where id = $1 for update`,
      [spaceId],
    );
    const space = rows[0];
    if (space === undefined || space.status !== "active") throw fail(404, "not_found", "space not found");
    const buffer = space.bufferMinutes * MINUTE;
    const [hours, exceptions, taken] = await Promise.all([
      db.query(
        `select day_of_week as "dayOfWeek", start_minute as "startMinute", end_minute as "endMinute"
           from space_availability where space_id = $1`,
        [spaceId],
      ),
      db.query(
        `select to_char(local_date, 'YYYY-MM-DD') as "localDate", kind, start_minute as "startMinute",
                end_minute as "endMinute"
           from space_availability_exceptions where space_id = $1`,
        [spaceId],
      ),
      db.query<{ start: string; end: string }>(
        `select (extract(epoch from lower(during)) * 1000)::int8 as start,
                (extract(epoch from upper(during)) * 1000)::int8 as "end"
           from bookings
          where space_id = $1 and status = any ($2) and during && tstzrange($3, $4)`,
        [spaceId, SLOT_HOLDING_STATUSES, new Date(start - buffer), new Date(end + buffer)],
      ),
    ]);
    const rules = {
      timeZone: space.timeZone,
      weeklyHours: hours.rows,
      exceptions: exceptions.rows,
      bufferMinutes: space.bufferMinutes,
      minNoticeMinutes: space.minNoticeMinutes,
      minDurationMinutes: space.minDurationMinutes,
      maxDurationMinutes: space.maxDurationMinutes,
    };
    const intervals = taken.rows.map((r) => ({ start: Number(r.start), end: Number(r.end) }));
    const decision = checkWindow(rules, intervals, { start, end }, now);
    if (!decision.ok) {
      if (decision.reason === "slot_unavailable") {
        throw fail(409, "slot_unavailable", "this window is already taken");
      }
      throw fail(422, decision.reason, `the window was refused: ${decision.reason}`);
    }
    const price = priceWindow(
      { hourly: space.hourly, daily: space.daily, monthly: space.monthly },
      { start, end },
      config.PLATFORM_FEE_BASIS_POINTS,
    );
    const pending = space.bookingMode === "request";
    const status = pending ? "pending_approval" : "confirmed";
    const expiresAt = pending ? Math.min(now + config.BOOKING_APPROVAL_WINDOW_MINUTES * MINUTE, start) : null;
    const inserted = await db.query<{ id: string }>(
      `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee,
                             host_earnings, expires_at)
       values ($1, $2, $3, tstzrange($4, $5), $6, $7, $8, $9, $10) returning id`,
      [
        spaceId,
        driverId,
        status,
        new Date(start),
        new Date(end),
        space.currency,
        price.total,
        price.platformFee,
        price.hostEarnings,
        expiresAt === null ? null : new Date(expiresAt),
      ],
    );
    const id = inserted.rows[0]!.id;
    await db.query(
      `with h as (insert into booking_status_history (booking_id, from_status, to_status, changed_by)
                  values ($1, null, $2, $3))
       insert into outbox (aggregate_type, aggregate_id, event_type, payload)
       values ('booking', $1, 'booking.requested', $4)`,
      [id, status, driverId, JSON.stringify({ bookingId: id, spaceId, status })],
    );
    return {
      id,
      spaceId,
      status,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      totalAmount: price.total,
      platformFee: price.platformFee,
      hostEarnings: price.hostEarnings,
      currency: space.currency,
      ...(expiresAt === null ? {} : { expiresAt: new Date(expiresAt).toISOString() }),
    };
  });
}

const app = new Hono();
app.onError((error, c) => {
  const known = error instanceof AppError;
  // The exclusion constraint saw an overlap a concurrent transaction committed: a taken slot.
  if (!known && pgErrorCode(error) === PG_EXCLUSION_VIOLATION) {
    return c.json({ error: { code: "slot_unavailable", message: "this window is already taken" } }, 409);
  }
  const status = known ? error.status : 500;
  const code = known ? error.code : "internal";
  return c.json({ error: { code, message: error.message } }, status as 400);
});

app.post("/api/v1/bookings", async (c) => {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (!match) throw fail(401, "unauthenticated", "authentication required");
  const claims = await accessTokens.verify(match[1]!);
  if (!claims.roles.includes("driver")) throw fail(403, "forbidden", "requires role driver");
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw fail(400, "validation_failed", "invalid JSON body");
  }
  const parsed = BookingCreate.safeParse(json);
  if (!parsed.success) throw fail(400, "validation_failed", "invalid body");
  const body = parsed.data;
  return c.json(await book(claims.userId, body.spaceId, Date.parse(body.start), Date.parse(body.end)), 201);
});
app.get("/healthz", (c) => c.json({ ok: true }));

const server = serve({ fetch: app.fetch, hostname: config.HTTP_HOST, port: config.HTTP_PORT });
const stop = () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
