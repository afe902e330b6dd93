// The outbox in the jobs worker: the relay (outbox table → outbox queue) and the BullMQ worker that
// runs each event's handlers. Several jobs workers may run both: relays take disjoint batches, job
// ids keep one job per row, and handlers' effects are claimed once per event.
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "../logger.ts";
import type { Pool } from "../storage/postgres.ts";
import type { Redis } from "../storage/redis.ts";
import { OUTBOX_QUEUE, type OutboxRetry, outboxEventSchema } from "./outbox-events.ts";
import { type OutboxHandlerRegistry, runHandlers } from "./outbox-handlers.ts";
import type { OutboxMetrics } from "./outbox-metrics.ts";
import { OutboxRelay } from "./outbox-relay.ts";

export interface OutboxJobOptions {
  readonly pool: Pool;
  readonly databaseUrl: string;
  /** A connection BullMQ may block on (maxRetriesPerRequest null). */
  readonly connection: Redis;
  readonly registry: OutboxHandlerRegistry;
  readonly metrics: OutboxMetrics;
  readonly logger: Logger;
  readonly queueName?: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly retry: OutboxRetry;
  readonly concurrency: number;
}

export async function startOutboxJobs(options: OutboxJobOptions) {
  const { pool, connection, registry, metrics, logger } = options;
  const name = options.queueName ?? OUTBOX_QUEUE;
  const queue = new Queue(name, { connection });
  const worker = new Worker(
    name,
    async (job) => {
      const event = outboxEventSchema.safeParse(job.data);
      if (!event.success) throw new UnrecoverableError(`malformed outbox job ${job.id}`);
      return runHandlers(pool, registry, event.data, metrics, logger);
    },
    { connection, concurrency: options.concurrency },
  );
  worker.on("failed", (job, error) =>
    logger.error({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, "outbox event failed"),
  );
  const relay = new OutboxRelay({
    pool,
    databaseUrl: options.databaseUrl,
    queue,
    batchSize: options.batchSize,
    pollIntervalMs: options.pollIntervalMs,
    retry: options.retry,
    metrics,
    logger,
  });
  await relay.start();
  return {
    relay,
    queue,
    async close() {
      await relay.close();
      await worker.close();
      await queue.close();
    },
  };
}
