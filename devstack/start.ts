// `npm start`: the whole system on this machine with demo data. Brings up Redis and PostgreSQL
// (data kept in .data/), migrates, seeds Madrid, starts 1 gateway + 2 shard workers + 1 jobs worker,
// waits until each reports ready, prints the URLs and demo logins. A process that exits is started
// again by the supervisor (devstack/supervisor.ts) while the others keep serving. Ctrl-C stops everything.
// Internal ports from PARKEALO_HEALTH_PORT_BASE (3100): the gateway's metrics listener on the base,
// the workers' health ports (with their /metrics) on the next three, the supervisor's /healthz on the fifth.
// Payments go to the local Stripe-compatible server (PARKEALO_STRIPE_PORT, 12111) unless
// STRIPE_SECRET_KEY is set without STRIPE_API_URL: then to Stripe's test mode itself. Payments are on
// (PAYMENTS_ENABLED, every process) whenever a Stripe can take them: the local server, or a key with
// its STRIPE_WEBHOOK_SECRET; a PAYMENTS_ENABLED set by hand wins. Mail goes to the
// local dev inbox (SMTP on PARKEALO_SMTP_PORT, 1025; read at PARKEALO_INBOX_PORT, 1080) unless
// SMTP_URL is set: then to that SMTP server.
import { fileURLToPath } from "node:url";
import { loadConfigOrExit } from "../src/config/index.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool } from "../src/storage/postgres.ts";
import { demoAccounts, seedDemoData } from "./demo-data.ts";
import { describeDemoOnboarding, onboardDemoHosts } from "./demo-payments.ts";
import { type RunningDevInbox, startDevInbox } from "./dev-inbox-process.ts";
import { waitUntil } from "./managed-process.ts";
import { startStack } from "./stack.ts";
import { stackProcesses } from "./stack-processes.ts";
import { type RunningStripeServer, startStripeServer } from "./stripe-server-process.ts";
import { type Supervisor, supervise } from "./supervisor.ts";
import { serveSupervisorStatus } from "./supervisor-status.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ports = {
  redis: port("PARKEALO_REDIS_PORT", 6390),
  postgres: port("PARKEALO_POSTGRES_PORT", 5440),
  gateway: port("PARKEALO_GATEWAY_PORT", 3000),
  health: port("PARKEALO_HEALTH_PORT_BASE", 3100),
  stripe: port("PARKEALO_STRIPE_PORT", 12111),
  smtp: port("PARKEALO_SMTP_PORT", 1025),
  inbox: port("PARKEALO_INBOX_PORT", 1080),
};
const dataDir = process.env.PARKEALO_DATA_DIR ?? `${root}.data`;
/** The key `npm start` gives its processes for the local Stripe-compatible server (test mode only). */
const LOCAL_STRIPE_KEY = "sk_test_parkealo_local";
const startedAt = performance.now();

/** The banner's second payments line: whether a booking with a price waits for a card, and why. */
function paymentsBanner(config: { PAYMENTS_ENABLED: boolean }) {
  if (config.PAYMENTS_ENABLED)
    return "on: a paid booking waits for its card; the map pays with test cards (Visa, or a declined one)";
  if (process.env.PAYMENTS_ENABLED) return "off (PAYMENTS_ENABLED=false): bookings confirm without payment";
  return "off: set STRIPE_WEBHOOK_SECRET (the endpoint's whsec_… secret) to turn them on";
}

console.log(`[start] Redis :${ports.redis} and PostgreSQL :${ports.postgres}, data in ${dataDir}`);
const stack = await startStack({
  dataDir,
  redisPort: ports.redis,
  postgresPort: ports.postgres,
  database: "parkealo",
});
let stripe: RunningStripeServer | undefined;
let inbox: RunningDevInbox | undefined;
let supervisor: Supervisor | undefined;
let statusServer: { close(): Promise<void> } | undefined;
let stopping = false;

async function stopAll(code: number) {
  if (stopping) return;
  stopping = true;
  console.log("\n[start] stopping …");
  await supervisor?.stop("SIGTERM");
  await statusServer?.close();
  await Promise.all([stripe?.stop(), inbox?.stop()]);
  await stack.stop();
  console.log("[start] stopped");
  process.exit(code);
}
process.on("SIGINT", () => void stopAll(0)); // "on": under tsx a Ctrl-C arrives twice (terminal + relay)
process.on("SIGTERM", () => void stopAll(0));

try {
  const realStripe = Boolean(process.env.STRIPE_SECRET_KEY) && !process.env.STRIPE_API_URL;
  if (!realStripe) {
    stripe = await startStripeServer({
      root,
      port: ports.stripe,
      logFile: `${dataDir}/stripe-server.log`,
      webhookUrls: [`http://127.0.0.1:${ports.gateway}/api/v1/webhooks/stripe`],
      // One key and a state file in the data folder: the accounts the database names outlive a restart.
      secretKey: LOCAL_STRIPE_KEY,
      stateFile: `${dataDir}/stripe-server.json`,
    });
  }
  if (!process.env.SMTP_URL) {
    inbox = await startDevInbox({
      root,
      smtpPort: ports.smtp,
      httpPort: ports.inbox,
      logFile: `${dataDir}/dev-inbox.log`,
      stateFile: `${dataDir}/dev-inbox.json`,
    });
  }
  const paymentsEnabled =
    process.env.PAYMENTS_ENABLED ||
    String(Boolean(stripe || (process.env.STRIPE_SECRET_KEY && process.env.STRIPE_WEBHOOK_SECRET)));
  const env = {
    ...process.env,
    PAYMENTS_ENABLED: paymentsEnabled,
    NODE_ENV: process.env.NODE_ENV ?? "development",
    SEED_DEMO: process.env.SEED_DEMO ?? "true",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${ports.gateway}`,
    // The pages are reached as localhost or 127.0.0.1: both may call the API (Swagger UI's "Try it out").
    CORS_ALLOWED_ORIGINS:
      process.env.CORS_ALLOWED_ORIGINS ??
      `http://localhost:${ports.gateway},http://127.0.0.1:${ports.gateway}`,
    OBJECT_STORAGE_DIR: process.env.OBJECT_STORAGE_DIR ?? `${dataDir}/objects`,
    ...(stripe
      ? {
          STRIPE_API_URL: stripe.url,
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        }
      : {}),
    ...(inbox ? { SMTP_URL: inbox.smtpUrl } : {}),
  };
  const config = loadConfigOrExit(env);
  await migrate(stack.databaseUrl);
  // Seeding runs while the processes start: they need the schema, not the demo rows.
  const seeding = (async () => {
    if (!config.SEED_DEMO) return "not seeded (SEED_DEMO is off)";
    const pool = createPool(stack.databaseUrl, 2);
    try {
      const seeded = await seedDemoData(pool, {
        map: config.H3_MAP_RESOLUTION,
        shard: config.H3_SHARD_RESOLUTION,
      });
      const { rows } = await pool.query<{ n: number }>("select count(*)::int as n from parking_spaces");
      const payments = describeDemoOnboarding(await onboardDemoHosts(pool, config));
      return `${seeded > 0 ? `seeded ${seeded} spaces` : "already there"}, ${rows[0]?.n} spaces in all\n[start] ${payments}`;
    } finally {
      await pool.end();
    }
  })();
  seeding.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"

  const processes = stackProcesses({
    root,
    env,
    logDir: dataDir,
    ports: {
      gateway: ports.gateway,
      gatewayMetrics: ports.health,
      shardWorkers: [ports.health + 1, ports.health + 2],
      jobsWorker: ports.health + 3,
    },
  });
  supervisor = supervise(processes);
  statusServer = await serveSupervisorStatus(supervisor, { host: "127.0.0.1", port: ports.health + 4 });
  // A process that cannot get ready the first time (a bad setting, a port in use) stops the start-up:
  // starting it again would not help. Once all are ready, the supervisor heals exits.
  await Promise.all(
    processes.map((spec) =>
      waitUntil(
        spec.name,
        async () => (await fetch(spec.readyUrl)).ok,
        60_000,
        supervisor!.current(spec.name)!.exited,
      ),
    ),
  );

  console.log(`[start] demo data: ${await seeding}`);
  console.log(`[start] ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  const accounts = demoAccounts();
  console.log(`
Parkealo live is running.
  live map     http://localhost:${ports.gateway}/   (WebSocket: /ws, socket.io: /live)
               sign in as the demo driver there and click a marker to book its next free hour
  API          http://localhost:${ports.gateway}/api/v1
  API docs     http://localhost:${ports.gateway}/docs   (OpenAPI: /openapi.json)
  health       http://localhost:${ports.gateway}/readyz
  metrics      http://127.0.0.1:${ports.health}/metrics   (gateway; not on the API port)
  workers      ${processes
    .slice(1)
    .map((p) => `${p.name} ${p.readyUrl.replace("127.0.0.1", "localhost")}   metrics: /metrics`)
    .join("\n               ")}
  supervisor   http://127.0.0.1:${ports.health + 4}/healthz   (restarts of each process; a process that exits is started again)
  demo mail    ${inbox ? `${inbox.inboxUrl.replace("127.0.0.1", "localhost")}/   (local dev inbox; SMTP ${inbox.smtpUrl.replace(/\/\/.*@/, "//")})` : `sent through SMTP_URL (${process.env.SMTP_URL?.replace(/\/\/.*@/, "//")})`}
  payments     ${stripe ? `local Stripe-compatible server ${stripe.url} (key ${stripe.secretKey})` : "Stripe test mode (STRIPE_SECRET_KEY)"}
               ${paymentsBanner(config)}
  logs         ${dataDir}/*.log

Demo logins (password for all: ${accounts.password})
  admin        ${accounts.admin}
  hosts        ${accounts.hosts.slice(0, 3).join(", ")} … ${accounts.hosts.at(-1)}
  drivers      ${accounts.drivers.join(", ")}

Press Ctrl-C to stop everything.`);
} catch (error) {
  console.error("[start] failed:", error);
  await stopAll(1);
}
