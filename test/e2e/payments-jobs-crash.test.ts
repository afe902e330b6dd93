// Money follows bookings through a real jobs-worker process that is SIGKILLed mid-stream (a database
// of this file's own, a queue of its own, the local Stripe-compatible server under a key of its own):
// paid requests to book are approved, rejected, then some approved ones cancelled; the outbox relay
// and the `booking-payments` handler capture, release and refund. Counted on the Stripe server: every
// capture, release and refund happened exactly once, whatever the kills.
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { window } from "../support/booking-fixtures.ts";
import { useOutboxQueue, waitFor } from "../support/outbox-fixtures.ts";
import { paidSpace } from "../support/payment-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { testStripe } from "../support/stripe-server.ts";
import { createTestApp } from "../support/test-app.ts";
import { spawnWorker, stopWorker, type WorkerProcess } from "../support/worker-processes.ts";

const JOBS_WORKER_ENTRY = fileURLToPath(new URL("../../workers/jobs-worker.ts", import.meta.url));
const db = useScratchDatabase("payments_crash", 2);
const queueName = useOutboxQueue("payments-crash");
const stripe = testStripe();
const settings = {
  DATABASE_URL: db.url,
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "2",
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
  OUTBOX_QUEUE: queueName,
  BOOKING_PENDING_PER_DRIVER: "1000",
  BOOKING_COMMANDS_PER_MINUTE: "100000",
};
const t = createTestApp(settings);

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "payments-crash-host");
});

function jobsWorker(id: string): Promise<WorkerProcess> {
  return spawnWorker(
    id,
    { ...settings, OUTBOX_HANDLER_BACKOFF_MS: "100", OUTBOX_POLL_INTERVAL_MS: "100", LOG_LEVEL: "warn" },
    JOBS_WORKER_ENTRY,
  );
}

async function paymentStatuses(ids: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db
    .pool()
    .query<{ booking_id: string; status: string }>(
      "select booking_id, status from payments where booking_id = any($1::uuid[])",
      [ids],
    );
  return new Map(rows.map((r) => [r.booking_id, r.status]));
}

/** Waits until every booking's payment is in `status`. */
async function settled(ids: readonly string[], status: string) {
  await waitFor(`${ids.length} payments ${status}`, 100_000, async () => {
    const statuses = await paymentStatuses(ids);
    return ids.every((id) => statuses.get(id) === status) ? true : undefined;
  });
}

const APPROVED = 12;
const REJECTED = 8;
const CANCELLED = 6;

describe("payments across jobs-worker crashes", () => {
  it("captures, releases and refunds each once while the jobs worker is SIGKILLed and restarted", async () => {
    const { spaceId, host } = await paidSpace(t, stripe, { bookingMode: "request", maxDurationMinutes: 120 });
    const driver = await t.signUp("driver");
    const bookings: string[] = [];
    for (let i = 0; i < APPROVED + REJECTED; i++) {
      const made = await driver.client.post("/api/v1/bookings", { spaceId, ...window(i * 2, 1) });
      expect(made.status).toBe(201);
      const paid = await driver.client.post("/api/v1/payments/process", {
        bookingId: made.body.id,
        paymentMethodId: "pm_card_visa",
      });
      expect(paid.body).toMatchObject({ status: "authorized", bookingStatus: "pending_approval" });
      bookings.push(made.body.id);
    }
    const before = await stripe.counts();
    const approved = bookings.slice(0, APPROVED);
    const rejected = bookings.slice(APPROVED);

    let worker = await jobsWorker("payments-jobs-a");
    for (const [i, id] of bookings.entries()) {
      const action = i < APPROVED ? "approve" : "reject";
      expect((await host.client.put(`/api/v1/bookings/${id}/${action}`, {})).status).toBe(200);
      if (i === 6) worker.signal("SIGKILL");
      if (i === 12) worker = await jobsWorker("payments-jobs-b");
      await sleep(20);
    }
    await settled(approved, "captured");
    await settled(rejected, "released");

    const cancelled = approved.slice(0, CANCELLED);
    for (const [i, id] of cancelled.entries()) {
      expect((await driver.client.put(`/api/v1/bookings/${id}/cancel`, {})).status).toBe(200);
      if (i === 2) worker.signal("SIGKILL");
      await sleep(20);
    }
    worker = await jobsWorker("payments-jobs-c");
    // flexible policy, cancelled days ahead: everything back.
    await settled(cancelled, "refunded");

    const after = await stripe.counts();
    const made = (key: string) => (after[key] ?? 0) - (before[key] ?? 0);
    expect(made("captures")).toBe(APPROVED);
    expect(made("cancellations")).toBe(REJECTED);
    expect(made("refunds")).toBe(CANCELLED);
    expect(made("payment_intents")).toBe(0);
    // The ledger and Stripe agree, booking by booking: money captured only for a booking that was
    // confirmed, every confirmed booking captured, no authorization left alive for the rejected.
    for (const id of bookings) {
      const { rows } = await db.pool().query<{ intent: string; status: string }>(
        `select p.stripe_payment_intent_id as intent, b.status
           from payments p join bookings b on b.id = p.booking_id where p.booking_id = $1`,
        [id],
      );
      const intent = await stripe.stripe.paymentIntents.retrieve(rows[0]!.intent);
      if (intent.amount_received > 0) expect(approved).toContain(id);
      if (rows[0]!.status === "confirmed") expect(intent.status).toBe("succeeded");
      if (rejected.includes(id)) expect([rows[0]!.status, intent.status]).toEqual(["rejected", "canceled"]);
    }
    await stopWorker(worker);
  }, 240_000);
});
