// Everything the HTTP app needs, built once per process from config, and closed on shutdown.
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { AuthService } from "../../src/auth/auth-service.ts";
import { LoginThrottle } from "../../src/auth/login-throttle.ts";
import { SessionRevocations } from "../../src/auth/session-revocations.ts";
import { BackgroundTasks } from "../../src/background-tasks.ts";
import type { Config } from "../../src/config/index.ts";
import type { Logger } from "../../src/logger.ts";
import type { Mailer } from "../../src/mail/mailer.ts";
import { mailerFromConfig } from "../../src/mail/smtp-mailer.ts";
import { createMetrics, type Metrics } from "../../src/metrics.ts";
import { BookingPayments } from "../../src/payments/booking-payments.ts";
import { createPayments, type Payments } from "../../src/payments/payments.ts";
import { createStripeClient } from "../../src/payments/stripe-client.ts";
import { type BookingAdmission, bookingAdmissionFromConfig } from "../../src/storage/booking-admission.ts";
import { LocalObjectStorage } from "../../src/storage/local-object-storage.ts";
import type { ObjectStorage } from "../../src/storage/object-storage.ts";
import { createPool, type Pool } from "../../src/storage/postgres.ts";
import { createRedis, type Redis } from "../../src/storage/redis.ts";
import { SpaceCommands } from "./space-commands.ts";

export interface AppDeps {
  config: Config;
  logger: Logger;
  pool: Pool;
  /**
   * Search's reads: a pool of its own whose connections plan each search statement once (generic
   * plans). Search statements take the same plan whatever their values (a nearest-first index scan
   * with a limit; an index range scan per cell range), so planning them on every call only costs time.
   */
  searchPool: Pool;
  redis: Redis;
  metrics: Metrics;
  accessTokens: AccessTokens;
  auth: AuthService;
  /** Announces ended sessions to every gateway's live sockets. */
  revocations: SessionRevocations;
  /** Work started by requests and not waited for (auth mails); drained on close. */
  background: BackgroundTasks;
  /** SMTP when SMTP_URL is set, else log-only. */
  mailer: Mailer;
  objects: ObjectStorage;
  /** Per-driver limits on booking requests (per minute, pending at once). */
  bookingAdmission: BookingAdmission;
  /** Booking commands to space actors (the actor client starts on first use). */
  spaceCommands: SpaceCommands;
  /** Card payments of bookings (PAYMENTS_ENABLED); absent when payments are off. */
  payments?: BookingPayments;
  /** Hosts' Stripe accounts and payouts; absent when no STRIPE_SECRET_KEY is set. */
  hostPayments?: Payments;
}

export function createDeps(
  config: Config,
  logger: Logger,
  component = "gateway",
): AppDeps & { close(): Promise<void> } {
  const pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const searchPool = createPool(config.DATABASE_URL, config.DATABASE_SEARCH_POOL_SIZE, {
    genericPlans: true,
  });
  const redis = createRedis(config.REDIS_URL, component);
  // The booking admission's script call, once per booking request, on a connection of its own that
  // is auto-pipelined: concurrent requests' calls go out in one write per tick instead of one socket
  // write each. Its own, because ioredis's auto-pipelines lose track of replies when a command is
  // defined on the client after they were made (rate-limiter-flexible defines its own lazily).
  const admissionRedis = createRedis(config.REDIS_URL, `${component}-admission`, { autoPipelining: true });
  const mailer = mailerFromConfig(config, logger);
  const accessTokens = new AccessTokens(config.JWT_SECRET, config.ACCESS_TOKEN_TTL_SECONDS);
  const throttle = new LoginThrottle(redis, {
    maxFailures: config.LOGIN_FAILURES_PER_ACCOUNT,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  });
  const revocations = new SessionRevocations(redis, logger);
  const background = new BackgroundTasks(logger);
  const auth = new AuthService(pool, config, accessTokens, throttle, mailer, revocations, background);
  const spaceCommands = new SpaceCommands(pool, config, logger, component, redis);
  const hostPayments = createPayments(config, pool);
  const payments = config.PAYMENTS_ENABLED
    ? new BookingPayments({
        db: pool,
        stripe: createStripeClient(config),
        tell: (spaceId, command) => spaceCommands.paymentOutcome(spaceId, command),
        logger,
      })
    : undefined;
  return {
    config,
    logger,
    pool,
    searchPool,
    redis,
    metrics: createMetrics(component),
    accessTokens,
    auth,
    revocations,
    background,
    mailer,
    objects: new LocalObjectStorage(config.OBJECT_STORAGE_DIR),
    spaceCommands,
    bookingAdmission: bookingAdmissionFromConfig(admissionRedis, config),
    ...(payments ? { payments } : {}),
    ...(hostPayments ? { hostPayments } : {}),
    async close() {
      await background.drain();
      await mailer.close();
      await spaceCommands.close().catch(() => {});
      await Promise.allSettled([pool.end(), searchPool.end(), redis.quit(), admissionRedis.quit()]);
    },
  };
}
