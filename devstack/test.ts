// `npm test`: brings up a throwaway Redis + PostgreSQL, the local Stripe-compatible server and the
// dev inbox (SMTP) on free ports, migrates, runs every vitest suite against them, tears everything down, and exits with the
// test run's status.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrate } from "../src/storage/migrate.ts";
import { type RunningDevInbox, startDevInbox } from "./dev-inbox-process.ts";
import { freePort, type Stack, startStack } from "./stack.ts";
import { type RunningStripeServer, startStripeServer } from "./stripe-server-process.ts";

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-test-"));
// Readable by the account PostgreSQL runs under when we are root, so its cluster can live inside.
chmodSync(dataDir, 0o755);
let stack: Stack | undefined;
let stripe: RunningStripeServer | undefined;
let inbox: RunningDevInbox | undefined;
let exitCode = 1;
let interrupted = false;

async function cleanup() {
  await Promise.all([stripe?.stop(), inbox?.stop()]);
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (stack) rmSync(stack.postgresDir, { recursive: true, force: true });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  // "on", not "once": under tsx a Ctrl-C arrives twice (from the terminal and relayed by tsx).
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    cleanup().finally(() => process.exit(130));
  });
}

try {
  console.log("[test] starting private Redis and PostgreSQL …");
  stack = await startStack({
    dataDir,
    redisPort: await freePort(),
    postgresPort: await freePort(),
    database: "parkealo_test",
    ephemeral: true,
  });
  stripe = await startStripeServer({
    root: fileURLToPath(new URL("..", import.meta.url)),
    port: await freePort(),
    logFile: join(dataDir, "stripe-server.log"),
  });
  inbox = await startDevInbox({
    root: fileURLToPath(new URL("..", import.meta.url)),
    smtpPort: await freePort(),
    httpPort: await freePort(),
    logFile: join(dataDir, "dev-inbox.log"),
  });
  await migrate(stack.databaseUrl);
  console.log(
    `[test] redis ${stack.redisUrl}  postgres ${stack.databaseUrl}  stripe ${stripe.url}  inbox ${inbox.inboxUrl}`,
  );
  const vitest = spawn("vitest", ["run", ...process.argv.slice(2)], {
    stdio: "inherit",
    env: {
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      TEST_DATA_DIR: dataDir,
      STRIPE_API_URL: stripe.url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      SMTP_URL: inbox.smtpUrl,
      // Not a setting of the app: where test/support/test-inbox.ts reads the mail.
      DEV_INBOX_URL: inbox.inboxUrl,
    },
  });
  exitCode = await new Promise<number>((resolve) => vitest.once("exit", (code) => resolve(code ?? 1)));
} catch (error) {
  console.error("[test] could not run the tests:", error);
} finally {
  await cleanup();
}
process.exit(exitCode);
