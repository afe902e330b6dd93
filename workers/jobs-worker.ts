// Jobs worker process: BullMQ workers for timers and side jobs. Today: scheduled housekeeping, the
// reconciliation of the ledger with actors' reminders and live cells, and the outbox relayed to
// BullMQ with its event handlers (booking event counts; notifications, whose emails go out from a
// queue of their own; with a Stripe key, hosts' account updates from Stripe's webhooks; payments).
import { Queue, Worker } from "bullmq";
import { actorNamespace, createActorClient } from "../actors/runtime/from-config.ts";
import { SpaceCommands } from "../gateway/http/space-commands.ts";
import { loadConfigOrExit } from "../src/config/index.ts";
import { bookingPaymentsHandler } from "../src/jobs/booking-payments-handler.ts";
import { MAINTENANCE_QUEUE, PURGE_EXPIRED_JOB, purgeExpired } from "../src/jobs/maintenance.ts";
import { notificationsHandler } from "../src/jobs/notifications-handler.ts";
import { OutboxHandlerRegistry } from "../src/jobs/outbox-handlers.ts";
import { startOutboxJobs } from "../src/jobs/outbox-job.ts";
import { createOutboxMetrics } from "../src/jobs/outbox-metrics.ts";
import { Reconciler } from "../src/jobs/reconciliation.ts";
import { startReconciliationJob } from "../src/jobs/reconciliation-job.ts";
import { createReconcileMetrics } from "../src/jobs/reconciliation-metrics.ts";
import { spaceEventCountsHandler } from "../src/jobs/space-event-counts-handler.ts";
import { createLiveContext } from "../src/live/index.ts";
import { createLogger } from "../src/logger.ts";
import { mailerFromConfig } from "../src/mail/smtp-mailer.ts";
import { createMetrics } from "../src/metrics.ts";
import { startEmailDelivery } from "../src/notifications/email-delivery.ts";
import { BookingPayments } from "../src/payments/booking-payments.ts";
import { stripeAccountsHandler } from "../src/payments/stripe-accounts-handler.ts";
import { createStripeClient } from "../src/payments/stripe-client.ts";
import { onShutdown } from "../src/process-lifecycle.ts";
import { createPool } from "../src/storage/postgres.ts";
import { createRedis } from "../src/storage/redis.ts";
import { startHealthServer } from "./health-server.ts";

const config = loadConfigOrExit();
const logger = createLogger(config, "jobs-worker");
// Housekeeping, reconciliation and the outbox relay, plus one connection per outbox handler at work.
const pool = createPool(config.DATABASE_URL, 5 + config.OUTBOX_HANDLER_CONCURRENCY);
const redis = createRedis(config.REDIS_URL, "jobs-worker");
const bullConnection = createRedis(config.REDIS_URL, "jobs-worker-bullmq", { blocking: true });
const metrics = createMetrics("jobs-worker");

const queue = new Queue(MAINTENANCE_QUEUE, { connection: bullConnection });
await queue.upsertJobScheduler(PURGE_EXPIRED_JOB, { every: 10 * 60_000 }, { name: PURGE_EXPIRED_JOB });

let processed = 0;
const worker = new Worker(
  MAINTENANCE_QUEUE,
  async (job) => {
    if (job.name !== PURGE_EXPIRED_JOB) throw new Error(`unknown job ${job.name}`);
    const purged = await purgeExpired(pool, { outboxRetentionDays: config.OUTBOX_RETENTION_DAYS });
    processed += 1;
    logger.info({ purged }, "purged expired records");
    return purged;
  },
  { connection: bullConnection, concurrency: 1 },
);
worker.on("failed", (job, error) => logger.error({ job: job?.name, err: error }, "job failed"));

const actors = await createActorClient(config, logger, "jobs-worker");
const reconciliation = await startReconciliationJob({
  connection: bullConnection,
  intervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
  logger,
  reconciler: new Reconciler({
    live: createLiveContext(config, redis, pool),
    redis,
    actors: actors.client,
    namespace: actorNamespace(config),
    shardCount: config.ACTOR_SHARD_COUNT,
    metrics: createReconcileMetrics(metrics.registry),
    logger,
  }),
});

// Payments (PAYMENTS_ENABLED): a booking's money follows its events and Stripe's.
const spaceCommands = new SpaceCommands(pool, config, logger, "jobs-worker", redis);
const paymentHandlers = config.PAYMENTS_ENABLED
  ? [
      bookingPaymentsHandler(
        pool,
        new BookingPayments({
          db: pool,
          stripe: createStripeClient(config),
          tell: (spaceId, command) => spaceCommands.paymentOutcome(spaceId, command),
          logger,
        }),
      ),
    ]
  : [];

// Notification emails: sent from their own queue, after the outbox handler's commit.
const mailer = mailerFromConfig(config, logger);
const emails = await startEmailDelivery({
  pool,
  connection: bullConnection,
  mailer,
  logger,
  queueName: config.NOTIFICATION_EMAIL_QUEUE,
  attempts: config.NOTIFICATION_EMAIL_ATTEMPTS,
  backoffMs: config.NOTIFICATION_EMAIL_BACKOFF_MS,
  concurrency: config.NOTIFICATION_EMAIL_CONCURRENCY,
  sweepIntervalMs: config.NOTIFICATION_EMAIL_SWEEP_MS,
  publicUrl: config.PUBLIC_URL,
  secret: config.JWT_SECRET,
});

const outbox = await startOutboxJobs({
  pool,
  databaseUrl: config.DATABASE_URL,
  connection: bullConnection,
  registry: new OutboxHandlerRegistry([
    spaceEventCountsHandler,
    notificationsHandler(emails.enqueue),
    ...paymentHandlers,
    ...(config.STRIPE_SECRET_KEY ? [stripeAccountsHandler(createStripeClient(config))] : []),
  ]),
  metrics: createOutboxMetrics(metrics.registry),
  logger,
  queueName: config.OUTBOX_QUEUE,
  batchSize: config.OUTBOX_RELAY_BATCH_SIZE,
  pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
  retry: { attempts: config.OUTBOX_HANDLER_ATTEMPTS, backoffMs: config.OUTBOX_HANDLER_BACKOFF_MS },
  concurrency: config.OUTBOX_HANDLER_CONCURRENCY,
});

const health = await startHealthServer({
  host: config.HTTP_HOST,
  port: config.HEALTH_PORT,
  pool,
  redis,
  metrics,
  detail: () => ({
    component: "jobs-worker",
    processed,
    reconciliations: reconciliation.passes(),
    outboxRelayed: outbox.relay.relayed(),
  }),
});
logger.info({ healthPort: health.port }, "jobs worker running");

onShutdown(logger, async () => {
  await worker.close();
  await queue.close();
  await outbox.close();
  await emails.close();
  await mailer.close();
  await reconciliation.close();
  await actors.close();
  await spaceCommands.close();
  await health.close();
  await Promise.allSettled([pool.end(), redis.quit(), bullConnection.quit()]);
});
