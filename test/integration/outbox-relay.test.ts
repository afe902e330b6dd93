// The outbox relay and its handlers against real PostgreSQL (a database of this file's own) and
// Redis: a writer's wake-up after its commit reaches the relay through NOTIFY (the poll set far
// too long to be what relays), and so does a listing change's notification at its commit;
// two relays at once add each row once; a row added again after a crash between add and mark is
// one job; a handler that fails is retried by BullMQ with backoff and every effect happens once;
// retention deletes published rows past their days only; the lag and relayed metrics.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { outboxJobs } from "../../src/jobs/outbox-events.ts";
import { type OutboxHandler, OutboxHandlerRegistry } from "../../src/jobs/outbox-handlers.ts";
import { startOutboxJobs } from "../../src/jobs/outbox-job.ts";
import { createOutboxMetrics } from "../../src/jobs/outbox-metrics.ts";
import { OutboxRelay } from "../../src/jobs/outbox-relay.ts";
import { spaceEventCountsHandler } from "../../src/jobs/space-event-counts-handler.ts";
import { createLogger } from "../../src/logger.ts";
import {
  type OutboxRow,
  oldestUnpublishedAgeSeconds,
  purgePublished,
} from "../../src/storage/outbox-repository.ts";
import { withTransaction } from "../../src/storage/postgres.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { recordSpaceEvent } from "../../src/storage/spaces-repository.ts";
import { expectedAndCounted, waitFor, writeBookingEvents } from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";

const db = useScratchDatabase("outbox_relay", 6);
const logger = createLogger({ LOG_LEVEL: "silent" }, "outbox-relay-test");
const connection = createRedis(process.env.REDIS_URL ?? "", "outbox-relay-test", { blocking: true });
const closing: Array<() => Promise<unknown>> = [];
const RETRY = { attempts: 5, backoffMs: 300 };

afterAll(async () => {
  for (const close of closing.reverse()) await close();
  await connection.quit();
});

/** A queue name of the test's own, emptied at the end. */
function queueName() {
  const name = `outbox-test-${randomUUID()}`;
  closing.push(async () => {
    const queue = new Queue(name, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
  });
  return name;
}

async function freshTables() {
  await db.pool().query(`truncate outbox, processed_events, space_event_counts`);
}

async function allPublished() {
  const { rows } = await db
    .pool()
    .query<{ n: number }>(`select count(*)::int as n from outbox where published_at is null`);
  return rows[0]!.n === 0 ? true : undefined;
}

async function start(
  name: string,
  handlers: OutboxHandler[],
  pollIntervalMs: number,
  registry = new Registry(),
) {
  const jobs = await startOutboxJobs({
    pool: db.pool(),
    databaseUrl: db.url,
    connection,
    registry: new OutboxHandlerRegistry(handlers),
    metrics: createOutboxMetrics(registry),
    logger,
    queueName: name,
    batchSize: 100,
    pollIntervalMs,
    retry: RETRY,
    concurrency: 4,
  });
  onTestFinished(() => jobs.close());
  return jobs;
}

describe("outbox relay", () => {
  it("relays a commit to its handler, woken by the writer's NOTIFY, the poll an hour apart", async () => {
    await freshTables();
    const metrics = new Registry();
    const jobs = await start(queueName(), [spaceEventCountsHandler], 3_600_000, metrics);
    const space = randomUUID();
    // The relay's first pass (at start) has run on an empty table: only a notification wakes it now.
    await waitFor("the first pass", 5000, async () => (jobs.relay.relayed() === 0 ? true : undefined));
    await writeBookingEvents(db.pool(), [space], 3);
    const rows = await waitFor("the effects", 10_000, async () => {
      const rows = await expectedAndCounted(db.pool());
      return rows.length === 3 && rows.every((r) => r.counted === r.expected) ? rows : undefined;
    });
    expect(rows.map((r) => r.counted)).toEqual([1, 1, 1]);
    expect(jobs.relay.relayed()).toBe(3);
    expect(await allPublished()).toBe(true);
    // A listing change notifies inside its transaction: nothing on rollback, the relay woken at commit.
    await withTransaction(db.pool(), (tx) => recordSpaceEvent(tx, space, "space_updated", { hostId: space }));
    await waitFor("the listing event relayed", 10_000, async () =>
      jobs.relay.relayed() === 4 ? true : undefined,
    );
    expect(await allPublished()).toBe(true);
    const lag = await metrics.getSingleMetric("outbox_relay_lag_seconds")!.get();
    expect(lag.values[0]!.value).toBe(0);
    const relayed = await metrics.getSingleMetric("outbox_rows_relayed_total")!.get();
    expect(relayed.values[0]!.value).toBe(4);
  });

  it("two relays at once add each row once", async () => {
    await freshTables();
    const spaces = Array.from({ length: 5 }, () => randomUUID());
    for (let i = 0; i < 10; i += 1) await writeBookingEvents(db.pool(), spaces, 200);
    const name = queueName();
    const queue = new Queue(name, { connection });
    onTestFinished(() => queue.close());
    const relays = [0, 1].map(
      () =>
        new OutboxRelay({
          pool: db.pool(),
          databaseUrl: db.url,
          queue,
          batchSize: 50,
          pollIntervalMs: 50,
          retry: RETRY,
          metrics: createOutboxMetrics(new Registry()),
          logger,
        }),
    );
    for (const relay of relays) onTestFinished(() => relay.close());
    await Promise.all(relays.map((relay) => relay.start()));
    await waitFor("every row published", 30_000, allPublished);
    const counts = relays.map((relay) => relay.relayed());
    // Each row was added by exactly one relay, and both took part.
    expect(counts[0]! + counts[1]!).toBe(2000);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expect(await queue.count()).toBe(2000);
  });

  it("a row added again after a crash between add and mark is one job", async () => {
    await freshTables();
    await writeBookingEvents(db.pool(), [randomUUID()], 30);
    const name = queueName();
    const queue = new Queue(name, { connection });
    onTestFinished(() => queue.close());
    // A relay that added the rows and died before marking them published.
    const { rows } = await db.pool().query<OutboxRow>(
      `select id, aggregate_type as "aggregateType", aggregate_id as "aggregateId", event_type as "eventType",
              payload, (extract(epoch from created_at) * 1000)::int8 as "createdAt" from outbox order by id`,
    );
    await queue.addBulk(outboxJobs(rows, RETRY));
    const relay = new OutboxRelay({
      pool: db.pool(),
      databaseUrl: db.url,
      queue,
      batchSize: 100,
      pollIntervalMs: 100,
      retry: RETRY,
      metrics: createOutboxMetrics(new Registry()),
      logger,
    });
    onTestFinished(() => relay.close());
    await relay.start();
    await waitFor("every row published", 10_000, allPublished);
    expect(relay.relayed()).toBe(30);
    expect(await queue.count()).toBe(30);
  });

  it("a failing handler is retried with backoff, and every effect happens once", async () => {
    await freshTables();
    await db.pool().query(`create table if not exists flaky_effects (event_id bigint not null)`);
    const attempts = new Map<number, number>();
    // Writes its effect, then throws on an event's first two runs: the effect must roll back with it.
    const flaky: OutboxHandler = {
      name: "flaky",
      handles: (event) => event.aggregateType === "booking",
      async handle(tx, event) {
        await tx.query(`insert into flaky_effects (event_id) values ($1)`, [event.id]);
        const n = (attempts.get(event.id) ?? 0) + 1;
        attempts.set(event.id, n);
        if (n <= 2) throw new Error(`flaky run ${n} of event ${event.id}`);
      },
    };
    const registry = new Registry();
    const name = queueName();
    const jobs = await start(name, [spaceEventCountsHandler, flaky], 100, registry);
    const started = Date.now();
    await writeBookingEvents(db.pool(), [randomUUID(), randomUUID()], 6);
    await waitFor("every event handled", 20_000, async () =>
      (await jobs.queue.getJobCounts("completed")).completed === 6 ? true : undefined,
    );
    const counted = await expectedAndCounted(db.pool());
    expect(counted.length).toBeGreaterThan(0);
    for (const row of counted) expect(row.counted).toBe(row.expected);
    const effects = await db.pool().query<{ event_id: number; n: number }>(
      `select o.id as event_id, (select count(*)::int from flaky_effects f where f.event_id = o.id) as n
         from outbox o order by o.id`,
    );
    expect(effects.rows.map((r) => r.n)).toEqual([1, 1, 1, 1, 1, 1]);
    for (const job of await jobs.queue.getJobs(["completed"])) {
      expect(job.attemptsMade).toBe(3);
      // Two retries, 300 ms then 600 ms apart at least.
      expect(job.finishedOn! - started).toBeGreaterThanOrEqual(900);
      expect(job.returnvalue).toEqual({ ran: ["flaky"], skipped: ["space-event-counts"] });
    }
    const failures = await registry.getSingleMetric("outbox_handler_failures_total")!.get();
    expect(failures.values.find((v) => v.labels.handler === "flaky")?.value).toBe(12);
    const made = await registry.getSingleMetric("outbox_effects_total")!.get();
    expect(made.values.find((v) => v.labels.handler === "space-event-counts")?.value).toBe(6);
  });

  it("retention deletes published rows past their days, and keeps the rest", async () => {
    await freshTables();
    await writeBookingEvents(db.pool(), [randomUUID()], 4);
    const { rows } = await db.pool().query<{ id: number }>(`select id from outbox order by id`);
    const [old, recent, unpublishedOld] = rows.map((r) => r.id);
    await db.pool().query(`update outbox set published_at = now() - interval '8 days' where id = $1`, [old]);
    await db
      .pool()
      .query(`update outbox set published_at = now() - interval '6 days' where id = $1`, [recent]);
    await db
      .pool()
      .query(`update outbox set created_at = now() - interval '30 days' where id = $1`, [unpublishedOld]);
    await db.pool().query(
      `insert into processed_events (event_id, handler, processed_at)
       values ($1, 'h', now() - interval '8 days'), ($2, 'h', now())`,
      [old, recent],
    );
    // The relay's lag is the oldest unpublished row's age.
    expect(await oldestUnpublishedAgeSeconds(db.pool())).toBeGreaterThanOrEqual(30 * 86_400);
    expect(await purgePublished(db.pool(), 7)).toEqual({ outbox: 1, processedEvents: 1 });
    const left = await db.pool().query<{ id: number }>(`select id from outbox order by id`);
    expect(left.rows.map((r) => r.id)).toEqual(rows.map((r) => r.id).filter((id) => id !== old));
  });
});
