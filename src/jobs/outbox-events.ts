// An outbox row as a BullMQ job: its queue, its job id (derived from the outbox id, so a row added
// twice, after a relay died between adding and marking it published, is one job), the payload's
// schema, and the retry rule every event's job follows.
import type { JobsOptions } from "bullmq";
import { z } from "zod";
import type { OutboxRow } from "../storage/outbox-repository.ts";

/** Default queue name (setting OUTBOX_QUEUE). */
export const OUTBOX_QUEUE = "outbox-events";

export const outboxEventSchema = z
  .object({
    id: z.number().int().positive(),
    aggregateType: z.string().min(1),
    aggregateId: z.string().min(1),
    eventType: z.string().min(1),
    payload: z.unknown(),
    createdAt: z.number().int(),
  })
  .strict();

export type OutboxEvent = z.infer<typeof outboxEventSchema>;

/** BullMQ refuses integer job ids and ids holding ':'. */
export const outboxJobId = (outboxId: number) => `outbox-${outboxId}`;

export interface OutboxRetry {
  /** Attempts in all, the first one included. */
  readonly attempts: number;
  /** The first retry's delay; each next one doubles it. */
  readonly backoffMs: number;
}

/**
 * Finished jobs stay an hour (and at most 100,000): long enough that a row added again after a
 * relay's crash finds its job and is not run as a second one. Failed jobs (attempts spent) stay a
 * week, to be looked at and retried.
 */
export function outboxJobOptions(retry: OutboxRetry): JobsOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: "exponential", delay: retry.backoffMs },
    removeOnComplete: { age: 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The bulk add of relayed rows: one job per row, named by its event type. */
export function outboxJobs(rows: readonly OutboxRow[], retry: OutboxRetry) {
  const opts = outboxJobOptions(retry);
  return rows.map((row) => ({
    name: row.eventType,
    data: { ...row } satisfies OutboxEvent,
    opts: { ...opts, jobId: outboxJobId(row.id) },
  }));
}
