// Runs the local dev inbox (devstack/dev-inbox/) as a child process on two private ports, like the
// Stripe-compatible server, and says how the app sends to it (SMTP_URL) and where mail is read.
import { DEV_INBOX_USER } from "../src/config/dev-inbox.ts";
import { type ManagedProcess, readyOrStopped, startProcess } from "./managed-process.ts";

export interface RunningDevInbox {
  /** SMTP_URL for the app's processes (logs in as the dev inbox's user). */
  smtpUrl: string;
  /** The inbox page; the JSON API is under /api/messages. */
  inboxUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startDevInbox(options: {
  root: string;
  smtpPort: number;
  httpPort: number;
  logFile: string;
  /** Keeps the messages across restarts in this JSON file (default: memory only). */
  stateFile?: string;
}): Promise<RunningDevInbox> {
  const proc = startProcess(
    "dev-inbox",
    process.execPath,
    ["--import", "tsx", "devstack/dev-inbox/main.ts"],
    {
      cwd: options.root,
      logFile: options.logFile,
      env: {
        ...process.env,
        DEV_INBOX_SMTP_PORT: String(options.smtpPort),
        DEV_INBOX_HTTP_PORT: String(options.httpPort),
        DEV_INBOX_STATE: options.stateFile ?? "",
      },
    },
  );
  const inboxUrl = `http://127.0.0.1:${options.httpPort}`;
  await readyOrStopped(
    proc,
    `dev inbox on ports ${options.smtpPort} and ${options.httpPort}`,
    `${inboxUrl}/health`,
  );
  return {
    smtpUrl: `smtp://${DEV_INBOX_USER}:local@127.0.0.1:${options.smtpPort}`,
    inboxUrl,
    process: proc,
    stop: () => proc.stop("SIGTERM"),
  };
}
