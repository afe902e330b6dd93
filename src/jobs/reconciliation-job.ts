// The reconciliation pass as a BullMQ job: a job scheduler adds one every interval, and one more is
// added when the jobs worker starts (a Redis that lost writes is usually one that just restarted).
// Passes run one at a time per process; passes of several jobs workers may overlap (harmless).
import { Queue, Worker } from "bullmq";
import type { Logger } from "../logger.ts";
import type { Redis } from "../storage/redis.ts";
import { RECONCILE_JOB, RECONCILE_QUEUE, type Reconciler } from "./reconciliation.ts";

export interface ReconciliationJobOptions {
  /** A connection BullMQ may block on (maxRetriesPerRequest null). */
  readonly connection: Redis;
  readonly intervalSeconds: number;
  readonly reconciler: Reconciler;
  readonly logger: Logger;
  /** The queue's name; tests sharing one Redis use their own. */
  readonly queueName?: string;
}

/** Keep the last few finished passes in Redis to look at, not every one. */
const KEEP = { removeOnComplete: 20, removeOnFail: 50 } as const;

export async function startReconciliationJob(options: ReconciliationJobOptions) {
  const { connection, reconciler, logger } = options;
  const name = options.queueName ?? RECONCILE_QUEUE;
  const queue = new Queue(name, { connection });
  await queue.upsertJobScheduler(
    RECONCILE_JOB,
    { every: options.intervalSeconds * 1000 },
    { name: RECONCILE_JOB, opts: KEEP },
  );
  let passes = 0;
  const worker = new Worker(
    name,
    async (job) => {
      if (job.name !== RECONCILE_JOB) throw new Error(`unknown job ${job.name}`);
      const report = await reconciler.pass();
      passes += 1;
      return report;
    },
    { connection, concurrency: 1 },
  );
  worker.on("failed", (job, error) => logger.error({ job: job?.name, err: error }, "reconciliation failed"));
  await queue.add(RECONCILE_JOB, {}, KEEP);
  return {
    /** Passes this process has finished. */
    passes: () => passes,
    async close() {
      // A pass cut short is harmless (every repair is idempotent; the job is taken up again once
      // its lock lapses), and one can wait on actors that do not answer: do not hold shutdown for it.
      await worker.close(true);
      await queue.close();
    },
  };
}
