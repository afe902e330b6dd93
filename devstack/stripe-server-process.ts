// Runs the local Stripe-compatible server (devstack/stripe-server/) as a child process on a private
// port, like Redis and PostgreSQL, and says how the app reaches it.
import { randomBytes } from "node:crypto";
import { type ManagedProcess, readyOrStopped, startProcess } from "./managed-process.ts";

export interface RunningStripeServer {
  /** STRIPE_API_URL for the app's processes. */
  url: string;
  /** A test-mode key: the server keeps one set of objects per key. */
  secretKey: string;
  /** The `whsec_…` secret the server signs its webhooks with. */
  webhookSecret: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startStripeServer(options: {
  root: string;
  port: number;
  logFile: string;
  /** Endpoint URLs that receive every event (e.g. the gateway's webhook route). */
  webhookUrls?: string[];
  webhookSecret?: string;
  /** The key handed to the app (default: a fresh random one, so no earlier objects are seen). */
  secretKey?: string;
  /** Keeps the objects across restarts in this JSON file (default: memory only). */
  stateFile?: string;
}): Promise<RunningStripeServer> {
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`;
  const proc = startProcess(
    "stripe-server",
    process.execPath,
    ["--import", "tsx", "devstack/stripe-server/main.ts"],
    {
      cwd: options.root,
      logFile: options.logFile,
      env: {
        ...process.env,
        STRIPE_SERVER_PORT: String(options.port),
        STRIPE_SERVER_WEBHOOKS: (options.webhookUrls ?? []).join(","),
        STRIPE_WEBHOOK_SECRET: webhookSecret,
      },
    },
  );
  const url = `http://127.0.0.1:${options.port}`;
  await readyOrStopped(proc, `stripe server on port ${options.port}`, `${url}/_test/health`);
  return {
    url,
    secretKey: options.secretKey ?? `sk_test_${randomBytes(16).toString("hex")}`,
    webhookSecret,
    process: proc,
    stop: () => proc.stop("SIGTERM"),
  };
}
