// Bookings made through the gateway and the space actor reach the outbox's handler: a booking and
// its cancellation, committed by the actor's ledger, are relayed (the relay's poll an hour apart,
// so the ledger's wake-up after its commit is what relays them) and counted once each for the
// space by `space-event-counts`.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxHandlerRegistry } from "../../src/jobs/outbox-handlers.ts";
import { startOutboxJobs } from "../../src/jobs/outbox-job.ts";
import { createOutboxMetrics } from "../../src/jobs/outbox-metrics.ts";
import { spaceEventCountsHandler } from "../../src/jobs/space-event-counts-handler.ts";
import { createLogger } from "../../src/logger.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { openSpace, window } from "../support/booking-fixtures.ts";
import { waitFor } from "../support/outbox-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp({ ACTOR_KEY_PREFIX: actorPrefix() });
const connection = createRedis(t.config.REDIS_URL, "outbox-bookings-test", { blocking: true });
const queueName = `outbox-bookings-${randomUUID()}`;
let jobs: Awaited<ReturnType<typeof startOutboxJobs>>;

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-outbox-host");
  jobs = await startOutboxJobs({
    pool: t.deps.pool,
    databaseUrl: t.config.DATABASE_URL,
    connection,
    registry: new OutboxHandlerRegistry([spaceEventCountsHandler]),
    metrics: createOutboxMetrics(new Registry()),
    logger: createLogger({ LOG_LEVEL: "silent" }, "outbox-bookings-test"),
    queueName,
    batchSize: 500,
    pollIntervalMs: 3_600_000,
    retry: { attempts: 5, backoffMs: 100 },
    concurrency: 4,
  });
});

afterAll(async () => {
  await jobs.close();
  const queue = new Queue(queueName, { connection });
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
});

async function countsOf(spaceId: string) {
  const { rows } = await t.deps.pool.query<{ event_type: string; events: number }>(
    `select event_type, events::int from space_event_counts where space_id = $1 order by event_type`,
    [spaceId],
  );
  return Object.fromEntries(rows.map((r) => [r.event_type, r.events]));
}

describe("bookings through the outbox", () => {
  it("a booking and its cancellation are each counted once for their space", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1) });
    expect(booked.status).toBe(201);
    const cancelled = await driver.client.put(`/api/v1/bookings/${booked.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const counts = await waitFor("both events counted", 15_000, async () => {
      const counts = await countsOf(spaceId);
      return counts["booking.cancelled"] === 1 ? counts : undefined;
    });
    expect(counts).toEqual({ "booking.cancelled": 1, "booking.requested": 1 });
  });
});
