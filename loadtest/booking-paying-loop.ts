// The booking benchmark's paying drivers (the paid hot space): while wrk storms a run's spaces, a
// light Node loop finds each booking waiting for payment in the ledger (a poll of the run's spaces)
// and pays it as its driver would, POST /api/v1/payments/process with pm_card_visa and an
// Idempotency-Key, a few at a time; the payment's outcome reaches the space's actor as a command
// while the storm goes on. After the storm it pays what is left, then counts what stayed unpaid.
import type { Pool } from "../src/storage/postgres.ts";

/** What a run's payments came to. */
export interface PayingSummary {
  /** Payments answered 200 with the card authorized (or captured) and the booking confirmed. */
  paid: number;
  /** Of those, answered before the storm ended. */
  duringStorm: number;
  /** Any other answer, by status and code (e.g. "409 not_awaiting_payment"). */
  failed: Record<string, number>;
  /** Bookings of the run still waiting for payment when the loop stopped. */
  unpaid: number;
  p50Ms: number;
  p99Ms: number;
}

export interface PayingLoopOptions {
  url: string;
  pool: Pool;
  spaceIds: readonly string[];
  /** The access token of a booking's driver. */
  tokenOf: (driverId: string) => string;
  /** Payments in flight at once. */
  concurrency: number;
  /** How often the ledger is asked for new bookings waiting for payment. */
  pollMs: number;
}

export interface PayingLoop {
  /** The storm is over: payments answered from now on count as after it. */
  stormOver(): void;
  /** Pays what is still waiting (at most `drainMs` more), stops and sums up. */
  finish(drainMs: number): Promise<PayingSummary>;
}

const AWAITING = `select id, driver_id as "driverId" from bookings
  where space_id = any($1::uuid[]) and status = 'awaiting_payment'`;

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export function startPayingLoop(options: PayingLoopOptions): PayingLoop {
  const seen = new Set<string>();
  const queue: { id: string; driverId: string }[] = [];
  const latencies: number[] = [];
  const failed: Record<string, number> = {};
  let paid = 0;
  let duringStorm = 0;
  let storming = true;
  let polling = true;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  const pay = async (booking: { id: string; driverId: string }) => {
    const started = performance.now();
    const response = await fetch(`${options.url}/api/v1/payments/process`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${options.tokenOf(booking.driverId)}`,
        "idempotency-key": `pay-${booking.id}`,
      },
      body: JSON.stringify({ bookingId: booking.id, paymentMethodId: "pm_card_visa" }),
    });
    const body = (await response.json()) as {
      status?: string;
      bookingStatus?: string;
      error?: { code: string };
    };
    latencies.push(performance.now() - started);
    const ok =
      response.status === 200 &&
      (body.status === "authorized" || body.status === "captured") &&
      body.bookingStatus === "confirmed";
    if (ok) {
      paid += 1;
      if (storming) duringStorm += 1;
      return;
    }
    const why = `${response.status} ${body.error?.code ?? `${body.status}/${body.bookingStatus}`}`;
    failed[why] = (failed[why] ?? 0) + 1;
  };

  const work = () => {
    while (inFlight < options.concurrency && queue.length > 0) {
      const booking = queue.shift()!;
      inFlight += 1;
      pay(booking)
        .catch((error: unknown) => {
          const why = `socket ${(error as Error).message}`;
          failed[why] = (failed[why] ?? 0) + 1;
        })
        .finally(() => {
          inFlight -= 1;
          work();
        });
    }
    if (inFlight === 0 && queue.length === 0) idle?.();
  };

  const poll = async () => {
    const { rows } = await options.pool.query<{ id: string; driverId: string }>(AWAITING, [options.spaceIds]);
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      queue.push(row);
    }
    work();
    return rows.length;
  };

  const polled = (async () => {
    while (polling) {
      await poll();
      await new Promise((resolve) => setTimeout(resolve, options.pollMs));
    }
  })();

  return {
    stormOver() {
      storming = false;
    },
    async finish(drainMs) {
      storming = false;
      polling = false;
      await polled;
      const deadline = performance.now() + drainMs;
      // One last look, then wait for the payments in flight or queued.
      await poll();
      while ((inFlight > 0 || queue.length > 0) && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, 100);
        });
      }
      queue.length = 0;
      const { rows } = await options.pool.query(AWAITING, [options.spaceIds]);
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        paid,
        duringStorm,
        failed,
        unpaid: rows.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      };
    },
  };
}
