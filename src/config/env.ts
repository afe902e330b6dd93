// Environment → typed config, validated once at start-up. A bad value stops the process with a
// message naming the variable; every setting has a safe local default except secrets in production.
import { z } from "zod";
import { isDevInboxUrl } from "./dev-inbox.ts";
import {
  mapTileUrl,
  mixedContentProblem,
  OSM_TILE_ATTRIBUTION,
  OSM_TILE_MAX_ZOOM,
  OSM_TILE_URL,
} from "./map-tiles.ts";
import { DEV_JWT_SECRET, weakSecretReason } from "./published-secrets.ts";

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** `address@domain` or `Display Name <address@domain>`, as a From header takes it. */
const mailbox = z.string().refine((value) => {
  const address = /^[^<>]*<([^<>\s]+)>$/.exec(value.trim())?.[1] ?? value.trim();
  return z.email().safeParse(address).success;
}, "must be an address, or a name and an address: Parkealo <no-reply@example.com>");

/** `scheme://host[:port]` exactly as a browser sends it in Origin. */
function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

/** A BullMQ queue name. */
const queueName = () => z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "letters, digits, '.', '_' and '-' only");
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);

/** Proxies in front of the gateway, 0–16; true/yes count as 1 and false/no as 0 (the old flag). */
const proxyHops = z.union([
  z.enum(["true", "yes"]).transform(() => 1),
  z.enum(["false", "no"]).transform(() => 0),
  int(0, 16),
]);

export const envSchema = z
  .object({
    // Production unless told otherwise: a forgotten setting fails closed. Local entry points (npm start,
    // npm test, npm run migrate, the benchmarks) set development or test themselves.
    NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/ })
      .default("postgres://postgres@127.0.0.1:5440/parkealo"),
    DATABASE_POOL_SIZE: int(1, 200).default(20),
    /** Connections for search reads (their own pool: each statement is planned once per connection). */
    DATABASE_SEARCH_POOL_SIZE: int(1, 200).default(8),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6390"),
    HTTP_HOST: z.string().min(1).default("127.0.0.1"),
    HTTP_PORT: int(0, 65535).default(3000),
    HEALTH_PORT: int(0, 65535).default(0),
    /**
     * The gateway's internal listener for Prometheus (/metrics, plus /healthz and /readyz), apart from
     * the public API port, which answers 404 for /metrics. 0 (the default) = no metrics listener.
     */
    METRICS_PORT: int(0, 65535).default(0),
    METRICS_HOST: z.string().min(1).default("127.0.0.1"),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).default("http://localhost:3000"),
    /**
     * Origins whose pages may call /api/* from a browser (CORS), comma-separated; unset = PUBLIC_URL's
     * origin only. No credentials (the API takes bearer tokens, not cookies).
     */
    CORS_ALLOWED_ORIGINS: z
      .string()
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z.string().refine(isOrigin, "must list origins such as https://app.example.com (no path, no *)"),
          )
          .min(1),
      )
      .optional(),
    JWT_SECRET: z.string().min(32, "must be at least 32 characters").default(DEV_JWT_SECRET),
    ACCESS_TOKEN_TTL_SECONDS: int(30, 86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(30),
    EMAIL_TOKEN_TTL_MINUTES: int(5, 10_080).default(60),
    BODY_LIMIT_BYTES: int(1024, 10 * 1024 * 1024).default(64 * 1024),
    /** Trusted proxies in front: the client is the X-Forwarded-For entry this many hops from the right. */
    TRUST_PROXY: proxyHops.default(0),
    AUTH_RATE_PER_IP_PER_MINUTE: int(1).default(60),
    LOGIN_FAILURES_PER_ACCOUNT: int(1).default(10),
    LOGIN_FAILURE_WINDOW_SECONDS: int(1).default(900),
    IDEMPOTENCY_TTL_HOURS: int(1, 720).default(24),
    /**
     * How long an Idempotency-Key claim blocks retries of its request when its gateway stops renewing
     * it (a gateway renews every third of it while the request runs): after that, a retry runs.
     */
    IDEMPOTENCY_LEASE_SECONDS: int(5, 300).default(30),
    /**
     * The SMTP server mail goes out through: `smtp://[user:pass@]host[:port]` (STARTTLS when the server
     * offers it, port 587 by default) or `smtps://…` (TLS from the start, 465). Unset = mails are only
     * logged. `npm start` and `npm test` set it to the local dev inbox, which production refuses.
     */
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    /** The From of every mail; default `Parkealo <no-reply@…>` at PUBLIC_URL's host name. */
    MAIL_FROM: mailbox.optional(),
    /** Seed the Madrid demo data (an admin, hosts and drivers with a published password) on migrate. */
    SEED_DEMO: flag.default(false),
    H3_MAP_RESOLUTION: int(0, 15).default(9),
    H3_SHARD_RESOLUTION: int(0, 15).default(4),
    WORKER_ID: z.string().min(1).optional(),
    /** Platform fee on each booking, in basis points of the total (1000 = 10 %). */
    PLATFORM_FEE_BASIS_POINTS: int(0, 10_000).default(1000),
    OBJECT_STORAGE_DIR: z.string().min(1).default(".data/objects"),
    SPACE_IMAGE_MAX_BYTES: int(1024, 50 * 1024 * 1024).default(5 * 1024 * 1024),
    SPACE_IMAGES_PER_SPACE: int(1, 100).default(20),
    /** How far ahead GET /spaces/{id}/availability may start (from), in days. */
    AVAILABILITY_MAX_LEAD_DAYS: int(1, 3660).default(366),
    ACTOR_SHARD_COUNT: int(1, 4096).default(64),
    SHARD_LEASE_TTL_MS: int(300, 60_000).default(5000),
    ACTOR_REPLY_TIMEOUT_MS: int(100, 60_000).default(5000),
    ACTOR_PASSIVATE_AFTER_MS: int(1000).default(300_000),
    ACTOR_REPLY_RETENTION_MS: int(10_000, 86_400_000).default(300_000),
    // Prefix of the actor runtime's Redis keys and channels; empty in production, set by tests.
    ACTOR_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]*$/)
      .default(""),
    /** How long a host has to answer a booking request; at most 6 days (card authorizations last 7). */
    BOOKING_APPROVAL_WINDOW_MINUTES: int(1, 8640).default(1440),
    /** How long a request may wait for its payment authorization before it expires. */
    BOOKING_PAYMENT_WINDOW_MINUTES: int(1, 1440).default(15),
    /** How many days ahead a booking may start (422 beyond_horizon past it). */
    BOOKING_HORIZON_DAYS: int(1, 3650).default(365),
    /** Booking requests (POST /bookings) one account may send per minute (429 past it). */
    BOOKING_COMMANDS_PER_MINUTE: int(1).default(60),
    /** Requests one driver may have waiting for hosts' approval at once (409 too_many_pending_requests). */
    BOOKING_PENDING_PER_DRIVER: int(1, 10_000).default(5),
    // Live gateway (WebSocket + socket.io). Origins: comma-separated; a connection without Origin
    // (non-browser client) is allowed, a browser's Origin must be listed.
    LIVE_ALLOWED_ORIGINS: z
      .string()
      .default("http://localhost:3000,http://127.0.0.1:3000")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      ),
    LIVE_MAX_PAYLOAD_BYTES: int(256, 1024 * 1024).default(16 * 1024),
    LIVE_MAX_BUFFERED_BYTES: int(4096).default(1024 * 1024),
    LIVE_MESSAGES_PER_SECOND: int(1).default(20),
    LIVE_MESSAGE_BURST: int(1).default(40),
    LIVE_PING_INTERVAL_MS: int(100).default(25_000),
    LIVE_HISTORY_LENGTH: int(1, 100_000).default(500),
    LIVE_AGGREGATE_RESOLUTION: int(0, 15).default(7),
    LIVE_SPACES_MIN_ZOOM: int(0, 24).default(15),
    LIVE_MAX_CELLS_PER_SUBSCRIPTION: int(1, 10_000).default(400),
    LIVE_MAX_WATCHED_CELLS: int(1, 100_000).default(2000),
    /** How often a gateway looks for watched cells whose spaces passed a time boundary (hours opening…). */
    LIVE_BOUNDARY_TICK_MS: int(50, 60_000).default(1000),
    /** Live connections one gateway process holds at most (both transports together). */
    LIVE_MAX_CONNECTIONS: int(1).default(20_000),
    /** Live connections one client address holds at most on one gateway process (both transports). */
    LIVE_MAX_CONNECTIONS_PER_ADDRESS: int(1).default(100),
    /** The live map page's street map: a `{z}/{x}/{y}` tile URL template (http/https), or `none`. */
    MAP_TILE_URL: mapTileUrl.default(OSM_TILE_URL),
    /** Shown in the map's corner (HTML, as Leaflet shows it): the tiles' licence asks for it. */
    MAP_TILE_ATTRIBUTION: z.string().max(1000).default(OSM_TILE_ATTRIBUTION),
    /** The highest zoom the tile server draws; the map zooms no further. */
    MAP_TILE_MAX_ZOOM: int(0, 24).default(OSM_TILE_MAX_ZOOM),
    /** How often the jobs worker compares the ledger with actors' reminders and live cells (and repairs). */
    RECONCILE_INTERVAL_SECONDS: int(1, 86_400).default(60),
    /** Stripe secret key (`sk_test_…` or `sk_live_…`); unset = no payments configured. */
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^sk_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret key (sk_test_… or sk_live_…)")
      .optional(),
    /**
     * Where the Stripe API is reached: the local Stripe-compatible server that `npm start` and `npm test`
     * run; unset = Stripe itself (api.stripe.com). Refused in production.
     */
    STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The `whsec_…` secret Stripe signs webhooks with (the endpoint's signing secret). */
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9_]+$/, "must be a webhook signing secret (whsec_…)")
      .optional(),
    /**
     * Bookings with a price wait for a card authorization (Stripe) before they hold for good; hosts need
     * a ready Stripe Connect account to publish. Needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.
     * Off: bookings confirm without payment (free parking, or a deployment without Stripe).
     */
    PAYMENTS_ENABLED: flag.default(false),
    /** The BullMQ queue outbox events are relayed to (deployments sharing one Redis use their own). */
    OUTBOX_QUEUE: queueName().default("outbox-events"),
    /** Outbox rows the relay takes per transaction. */
    OUTBOX_RELAY_BATCH_SIZE: int(1, 10_000).default(500),
    /** How often the relay looks for unpublished rows besides being woken by NOTIFY. */
    OUTBOX_POLL_INTERVAL_MS: int(50, 60_000).default(1000),
    /** Attempts an outbox event's handlers get in all before the job is left failed. */
    OUTBOX_HANDLER_ATTEMPTS: int(1, 100).default(10),
    /** Delay before an outbox event's first retry; each next one doubles it. */
    OUTBOX_HANDLER_BACKOFF_MS: int(10, 3_600_000).default(1000),
    /** Outbox events one jobs worker handles at once. */
    OUTBOX_HANDLER_CONCURRENCY: int(1, 100).default(4),
    /** Days published outbox rows (and their handlers' effect records) are kept. */
    OUTBOX_RETENTION_DAYS: int(1, 3650).default(7),
    /** The BullMQ queue notification emails are sent from (one job per email row). */
    NOTIFICATION_EMAIL_QUEUE: queueName().default("notification-emails"),
    /** Attempts a notification email gets in all (the SMTP server refusing or unreachable) before it is `failed`. */
    NOTIFICATION_EMAIL_ATTEMPTS: int(1, 100).default(8),
    /** Delay before a notification email's first retry; each next one doubles it. */
    NOTIFICATION_EMAIL_BACKOFF_MS: int(10, 3_600_000).default(2000),
    /** Notification emails one jobs worker sends at once. */
    NOTIFICATION_EMAIL_CONCURRENCY: int(1, 100).default(8),
    /** How often pending email rows whose job was lost (a crash between commit and queueing) are queued again. */
    NOTIFICATION_EMAIL_SWEEP_MS: int(100, 3_600_000).default(30_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production") refuseUnsafeProductionSettings(env, ctx);
    if (env.STRIPE_API_URL && env.STRIPE_SECRET_KEY?.startsWith("sk_live_")) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message:
          "a live key is never sent to STRIPE_API_URL (a local server): use an sk_test_… key or unset STRIPE_API_URL",
      });
    }
    if (env.PAYMENTS_ENABLED) {
      for (const key of ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"] as const) {
        if (env[key] === undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "must be set when PAYMENTS_ENABLED is on (or turn PAYMENTS_ENABLED off)",
          });
        }
      }
    }
    const mixed = mixedContentProblem(env.MAP_TILE_URL, env.PUBLIC_URL);
    if (mixed) ctx.addIssue({ code: "custom", path: ["MAP_TILE_URL"], message: mixed });
    if (env.H3_SHARD_RESOLUTION > env.H3_MAP_RESOLUTION) {
      ctx.addIssue({
        code: "custom",
        path: ["H3_SHARD_RESOLUTION"],
        message: "must not be finer than H3_MAP_RESOLUTION",
      });
    }
    if (
      env.LIVE_AGGREGATE_RESOLUTION < env.H3_SHARD_RESOLUTION ||
      env.LIVE_AGGREGATE_RESOLUTION >= env.H3_MAP_RESOLUTION
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["LIVE_AGGREGATE_RESOLUTION"],
        message: "must lie between H3_SHARD_RESOLUTION (inclusive) and H3_MAP_RESOLUTION (exclusive)",
      });
    }
  })
  .transform((env) => ({
    ...env,
    MAIL_FROM: env.MAIL_FROM ?? `Parkealo <no-reply@${new URL(env.PUBLIC_URL).hostname}>`,
    CORS_ALLOWED_ORIGINS: env.CORS_ALLOWED_ORIGINS ?? [new URL(env.PUBLIC_URL).origin],
  }));

export type Config = z.infer<typeof envSchema>;

const RANDOM_SECRET_HINT =
  "set JWT_SECRET to a random secret of 32+ characters (e.g. `openssl rand -base64 48`)";

/** What production refuses: secrets anyone can read, a readable inbox, accounts with a published password. */
function refuseUnsafeProductionSettings(
  env: {
    JWT_SECRET: string;
    SMTP_URL?: string | undefined;
    SEED_DEMO: boolean;
    STRIPE_API_URL?: string | undefined;
  },
  ctx: z.RefinementCtx,
) {
  const weak = weakSecretReason(env.JWT_SECRET);
  if (weak) {
    const what = env.JWT_SECRET === DEV_JWT_SECRET ? "is not set (the development default)" : weak;
    ctx.addIssue({ code: "custom", path: ["JWT_SECRET"], message: `${what}: ${RANDOM_SECRET_HINT}` });
  }
  if (env.SMTP_URL && isDevInboxUrl(env.SMTP_URL)) {
    ctx.addIssue({
      code: "custom",
      path: ["SMTP_URL"],
      message:
        "must not be the local dev inbox in production (nothing is delivered, and anyone reaching its page reads password-reset mails): set your SMTP relay's URL, or unset it to only log mails",
    });
  }
  if (env.SEED_DEMO) {
    ctx.addIssue({
      code: "custom",
      path: ["SEED_DEMO"],
      message:
        "must be off in production (it creates an admin with the published demo password): unset it or set SEED_DEMO=false",
    });
  }
  if (env.STRIPE_API_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["STRIPE_API_URL"],
      message:
        "must be unset in production (it sends payments to a local Stripe-compatible server, not to Stripe): unset it",
    });
  }
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Parses `env` (default: process.env); throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.in.shape).flatMap((key) =>
      env[key] === undefined || env[key] === "" ? [] : [[key, env[key]]],
    ),
  );
  const parsed = envSchema.safeParse(relevant);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}

/** Entry-point helper: load config or print the problem and exit(1). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
