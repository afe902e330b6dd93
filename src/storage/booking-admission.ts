// Per-driver limits on booking requests, in Redis so every gateway counts together: requests per
// minute (BOOKING_COMMANDS_PER_MINUTE) and requests waiting for a host's approval at once
// (BOOKING_PENDING_PER_DRIVER). One script call per request checks both and reserves the request's
// place among the pending ones (booking-admission.lua); the space actor then holds the place until
// the request's approval deadline or gives it back when the request is decided (approved, rejected,
// cancelled, expired); a place whose deadline passed stops counting by itself.
import { readFileSync } from "node:fs";
import type { Config } from "../config/index.ts";
import type { Redis } from "./redis.ts";

const ADMISSION_LUA = readFileSync(new URL("./scripts/booking-admission.lua", import.meta.url), "utf8");
const COMMAND = "booking_admission";
const WINDOW_MS = 60_000;
/**
 * How long a driver's pending set is kept after its last write: longer than any approval window
 * (at most 6 days), so it outlives every place in it, and an idle driver's set goes away.
 */
const PENDING_KEEP_MS = 7 * 24 * 60 * 60 * 1000;

export interface BookingAdmissionLimits {
  readonly perMinute: number;
  readonly pendingPerDriver: number;
  /** How long a reservation counts before the space actor's answer turns it into a held place. */
  readonly reservationMs: number;
}

export type Admission =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: "rate_limited" | "too_many_pending";
      readonly retryAfterMs: number;
    };

/** The Redis keys of one driver's limits; one hash tag, so the script runs on Redis Cluster too. */
export function bookingAdmissionKeys(driverId: string): { requests: string; pending: string } {
  return {
    requests: `booking-driver:{${driverId}}:requests`,
    pending: `booking-driver:{${driverId}}:pending`,
  };
}

export class BookingAdmission {
  constructor(
    private readonly redis: Redis,
    private readonly limits: BookingAdmissionLimits,
  ) {
    redis.defineCommand(COMMAND, { numberOfKeys: 2, lua: ADMISSION_LUA });
  }

  /**
   * Counts a request of `driverId`; with `pendingId` (the booking id of a request that may wait for
   * approval) also reserves its place among the driver's pending requests.
   */
  async admit(driverId: string, pendingId: string | null, now = Date.now()): Promise<Admission> {
    const keys = bookingAdmissionKeys(driverId);
    const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<[number, number]>>)[
      COMMAND
    ]!;
    const [code, ms] = await run.call(
      this.redis,
      keys.requests,
      keys.pending,
      now,
      WINDOW_MS,
      this.limits.perMinute,
      this.limits.pendingPerDriver,
      pendingId ?? "",
      now + this.limits.reservationMs,
      PENDING_KEEP_MS,
    );
    if (code === 0) return { ok: true };
    return { ok: false, reason: code === 1 ? "rate_limited" : "too_many_pending", retryAfterMs: ms };
  }

  /** A pending request keeps its place until `until` (its approval deadline). */
  async hold(driverId: string, bookingId: string, until: number): Promise<void> {
    const { pending } = bookingAdmissionKeys(driverId);
    await this.redis.multi().zadd(pending, until, bookingId).pexpire(pending, PENDING_KEEP_MS).exec();
  }

  /** The request no longer waits for approval (or never did): its place is free. */
  async release(driverId: string, bookingId: string): Promise<void> {
    await this.redis.zrem(bookingAdmissionKeys(driverId).pending, bookingId);
  }
}

/** The limits a deployment runs with; a reservation counts until the actor's answer is overdue. */
export function bookingAdmissionFromConfig(redis: Redis, config: Config): BookingAdmission {
  return new BookingAdmission(redis, {
    perMinute: config.BOOKING_COMMANDS_PER_MINUTE,
    pendingPerDriver: config.BOOKING_PENDING_PER_DRIVER,
    reservationMs: config.ACTOR_REPLY_TIMEOUT_MS + 5000,
  });
}
