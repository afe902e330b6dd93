// Sends notification emails: one BullMQ job per email row (job id from the notification id, so a row
// queued twice is one job), run outside any database transaction. A job reads its row, hands the mail
// to the SMTP server with a Message-ID derived from the notification id (a mail sent again after a
// crash between the server's accept and the row's update keeps its id), then marks the row sent; a
// refusal is retried with exponential backoff and, once the attempts are spent, the row is `failed`.
// A sweep queues again pending rows whose job was lost (a worker dying between commit and queueing).
import { type JobsOptions, Queue, Worker } from "bullmq";
import { z } from "zod";
import type { Logger } from "../logger.ts";
import type { Mailer } from "../mail/mailer.ts";
import {
  findEmail,
  markEmailAttemptFailed,
  markEmailSent,
  pendingEmailIds,
} from "../storage/notifications-repository.ts";
import type { Pool } from "../storage/postgres.ts";
import type { Redis } from "../storage/redis.ts";
import { isEssential } from "./notification-kinds.ts";
import { unsubscribeToken, unsubscribeUrl } from "./unsubscribe-links.ts";

export const emailJobId = (notificationId: string) => `notification-${notificationId}`;

/** The Message-ID of a notification's email. */
export const notificationMessageId = (notificationId: string, publicUrl: string) =>
  `<notification.${notificationId}@${new URL(publicUrl).hostname}>`;

const emailJobSchema = z.strictObject({ notificationId: z.uuid() });

export interface EmailDeliveryOptions {
  readonly pool: Pool;
  /** A connection BullMQ may block on (maxRetriesPerRequest null). */
  readonly connection: Redis;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly queueName: string;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly concurrency: number;
  readonly sweepIntervalMs: number;
  /** Pending rows at least this old are swept (younger ones are still being queued by their handler). */
  readonly sweepAgeSeconds?: number;
  /** Links and Message-IDs are made under it. */
  readonly publicUrl: string;
  /** Signs unsubscribe links. */
  readonly secret: string;
}

export async function startEmailDelivery(options: EmailDeliveryOptions) {
  const { pool, connection, mailer, logger } = options;
  const queue = new Queue(options.queueName, { connection });
  const jobOptions: JobsOptions = {
    attempts: options.attempts,
    backoff: { type: "exponential", delay: options.backoffMs },
    // Kept an hour: a row queued again in that time finds its job and is not sent twice.
    removeOnComplete: { age: 3600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };

  const enqueue = async (notificationIds: readonly string[]) => {
    if (notificationIds.length === 0) return;
    await queue.addBulk(
      notificationIds.map((notificationId) => ({
        name: "email",
        data: { notificationId },
        opts: { ...jobOptions, jobId: emailJobId(notificationId) },
      })),
    );
  };

  const worker = new Worker(
    options.queueName,
    async (job) => {
      const { notificationId } = emailJobSchema.parse(job.data);
      const email = await findEmail(pool, notificationId);
      if (email === null || email.status !== "pending") return "done before";
      const headers: Record<string, string> = {};
      if (!isEssential(email.kind)) {
        const link = unsubscribeUrl(
          options.publicUrl,
          unsubscribeToken(options.secret, email.userId, email.kind),
        );
        headers["List-Unsubscribe"] = `<${link}>`;
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
      }
      try {
        await mailer.send({
          to: email.to,
          subject: email.subject,
          text: email.body,
          messageId: notificationMessageId(email.id, options.publicUrl),
          headers,
        });
      } catch (error) {
        const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        await markEmailAttemptFailed(
          pool,
          email.id,
          error instanceof Error ? error.message : String(error),
          final,
        );
        throw error;
      }
      await markEmailSent(pool, email.id);
      return "sent";
    },
    { connection, concurrency: options.concurrency },
  );
  worker.on("failed", (job, error) =>
    logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, "notification email failed"),
  );

  const sweep = async () => {
    const ids = await pendingEmailIds(pool, options.sweepAgeSeconds ?? 10, 1000);
    await enqueue(ids);
    return ids.length;
  };
  const sweeper = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, "notification email sweep failed"));
  }, options.sweepIntervalMs);

  return {
    queue,
    enqueue,
    sweep,
    async close() {
      clearInterval(sweeper);
      await worker.close();
      await queue.close();
    },
  };
}

export type EmailDelivery = Awaited<ReturnType<typeof startEmailDelivery>>;
