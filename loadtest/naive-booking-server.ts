// The booking benchmark's baseline: POST /api/v1/bookings as a plain Hono + PostgreSQL server would
// write it, no actors. Same body, same JWT check, same answers (201 / 409 slot_unavailable / 422),
// decided by read-check-write in one transaction: the space row `FOR UPDATE`, its hours, exceptions
// and overlapping bookings, the domain's checkWindow and priceWindow, then the booking row, its
// status history and an outbox event. Idempotency-Key the simple way: the key and the answer are
// written in that same transaction (table naive_idempotency, its own); the same key with the same
// request replays the answer (`Idempotent-Replayed: true`), with another request 422. Answers kept
// are the gateway's: 201, 409 and 422. Run as its own process by loadtest/booking-bench.ts:
//   DATABASE_URL=… JWT_SECRET=… HTTP_PORT=… node --import tsx loadtest/naive-booking-server.ts
import { createHash } from "node:crypto";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { BookingCreate } from "../gateway/http/booking-schemas.ts";
import { AccessTokens } from "../src/auth/access-tokens.ts";
import { loadConfigOrExit } from "../src/config/index.ts";
import { checkWindow, priceWindow, SLOT_HOLDING_STATUSES } from "../src/domain/index.ts";
import { AppError } from "../src/errors.ts";
import {
  createPool,
  PG_EXCLUSION_VIOLATION,
  PG_UNIQUE_VIOLATION,
  type PoolClient,
  pgErrorCode,
  withTransaction,
} from "../src/storage/postgres.ts";

const config = loadConfigOrExit();
const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
const accessTokens = new AccessTokens(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_SECONDS);
const MINUTE = 60_000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

// Kept for the benchmark's lifetime (no expiry): one row per key a caller used.
await pool.query(
  `create table if not exists naive_idempotency (
     scope text not null,
     key text not null,
     request_hash text not null,
     status integer not null,
     body text not null,
     primary key (scope, key))`,
);

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

/** An answer to keep for an Idempotency-Key: what the gateway keeps (2xx, 409, 422). */
interface Answer {
  status: 201 | 409 | 422;
  body: unknown;
}

const refusal = (status: 409 | 422, code: string, message: string): Answer => ({
  status,
  body: { error: { code, message } },
});

/** The decision on one request, inside its transaction: the booking written, or a refusal. */
async function decide(
  db: PoolClient,
  driverId: string,
  spaceId: string,
  start: number,
  end: number,
): Promise<Answer> {
  const now = Date.now();
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
      return refusal(409, "slot_unavailable", "this window is already taken");
    }
    return refusal(422, decision.reason, `the window was refused: ${decision.reason}`);
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
    status: 201,
    body: {
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
    },
  };
}

interface KeyUse {
  scope: string;
  key: string;
  requestHash: string;
}

/** A key's row: the request it was first used with and the answer kept. */
interface StoredAnswer {
  requestHash: string;
  status: Answer["status"];
  body: string;
}

/**
 * Decides in one transaction; with a key, the key and the answer are inserted in it too, so either
 * both the booking and its key are written or neither. A concurrent request with the same key waits
 * on the key's primary key and fails with a unique violation once the first commits.
 */
function book(driverId: string, spaceId: string, start: number, end: number, use?: KeyUse) {
  return withTransaction(pool, async (db) => {
    const answer = await decide(db, driverId, spaceId, start, end);
    if (use) {
      await db.query(
        `insert into naive_idempotency (scope, key, request_hash, status, body) values ($1, $2, $3, $4, $5)`,
        [use.scope, use.key, use.requestHash, answer.status, JSON.stringify(answer.body)],
      );
    }
    return answer;
  });
}

async function storedAnswer(use: KeyUse) {
  const { rows } = await pool.query<StoredAnswer>(
    `select request_hash as "requestHash", status, body from naive_idempotency where scope = $1 and key = $2`,
    [use.scope, use.key],
  );
  return rows[0];
}

function replay(c: Context, stored: StoredAnswer, use: KeyUse) {
  if (stored.requestHash !== use.requestHash) {
    throw fail(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request");
  }
  return c.body(stored.body, stored.status, {
    "Content-Type": "application/json",
    "Idempotent-Replayed": "true",
  });
}

const app = new Hono();
app.onError((error, c) => {
  const known = error instanceof AppError;
  // The exclusion constraint saw an overlap a concurrent transaction committed: a taken slot (its
  // transaction, so its key, rolled back: a retry with the key decides again and keeps that answer).
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
  const text = await c.req.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fail(400, "validation_failed", "invalid JSON body");
  }
  const parsed = BookingCreate.safeParse(json);
  if (!parsed.success) throw fail(400, "validation_failed", "invalid body");
  const body = parsed.data;
  const [start, end] = [Date.parse(body.start), Date.parse(body.end)];
  const key = c.req.header("idempotency-key");
  if (key === undefined) {
    const answer = await book(claims.userId, body.spaceId, start, end);
    return c.json(answer.body, answer.status);
  }
  if (!KEY_FORMAT.test(key)) {
    throw fail(400, "idempotency_key_invalid", "Idempotency-Key must be 1-255 visible ASCII characters");
  }
  const use = {
    scope: `user:${claims.userId}`,
    key,
    requestHash: createHash("sha256").update(`POST /api/v1/bookings\n${text}`).digest("hex"),
  };
  const stored = await storedAnswer(use);
  if (stored) return replay(c, stored, use);
  try {
    const answer = await book(claims.userId, body.spaceId, start, end, use);
    return c.json(answer.body, answer.status);
  } catch (error) {
    // A concurrent request with this key committed first: its answer stands.
    if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) throw error;
    return replay(c, (await storedAnswer(use))!, use);
  }
});
app.get("/healthz", (c) => c.json({ ok: true }));

const server = serve({ fetch: app.fetch, hostname: config.HTTP_HOST, port: config.HTTP_PORT });
const stop = () => {
  server.close();
  void pool.end().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
