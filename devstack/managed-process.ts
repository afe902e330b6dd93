// A child process that this stack started and must stop: logs go to a file, stop() escalates
// from a polite signal to SIGKILL, and exit is observable so a crash is noticed.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartOptions extends SpawnOptions {
  /** File that receives stdout and stderr; omit to inherit the parent's streams. */
  logFile?: string;
}

export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}) {
  const { logFile, ...spawnOptions } = options;
  const child = spawn(command, args, {
    ...spawnOptions,
    stdio: logFile ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
  if (logFile) {
    const log = createWriteStream(logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  let alive = true;
  exited.then(() => {
    alive = false;
  });

  async function stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
    if (!alive) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  return { name, child, exited, stop } satisfies ManagedProcess;
}

/** Polls `probe` until it resolves true, failing after `timeoutMs` or when `exited` settles first. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  exited?: Promise<unknown>,
) {
  let gone = false;
  exited?.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`${what}: process exited before it became ready`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

/** Waits until `healthUrl` answers 2xx (30 s at most); stops `proc` and throws when it does not. */
export async function readyOrStopped(proc: ManagedProcess, what: string, healthUrl: string) {
  try {
    await waitUntil(what, async () => (await fetch(healthUrl)).ok, 30_000, proc.exited);
  } catch (error) {
    await proc.stop("SIGTERM");
    throw error;
  }
}
