// Spawns shard-worker processes (the counter test entry) against the test Redis/PostgreSQL, reads their
// /healthz, and kills, freezes or resumes them by pid for the fault tests.
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, expect } from "vitest";
import type { HostSnapshot } from "../../actors/runtime/index.ts";
import { freePort } from "../../devstack/stack.ts";

const ENTRY = fileURLToPath(new URL("./counter-shard-worker.ts", import.meta.url));
/** The product's shard worker (the space actor). */
export const SHARD_WORKER_ENTRY = fileURLToPath(new URL("../../workers/shard-worker.ts", import.meta.url));

export interface WorkerProcess {
  workerId: string;
  child: ChildProcess;
  health(): Promise<HostSnapshot>;
  signal(signal: "SIGKILL" | "SIGSTOP" | "SIGCONT" | "SIGTERM"): void;
  output(): string;
}

export async function spawnWorker(
  workerId: string,
  env: Record<string, string>,
  entry = ENTRY,
): Promise<WorkerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env, WORKER_ID: workerId, HEALTH_PORT: String(port), HTTP_HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  });
  afterAll(() => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
  const worker: WorkerProcess = {
    workerId,
    child,
    async health() {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
      return (await response.json()) as HostSnapshot;
    },
    signal(signal) {
      child.kill(signal);
    },
    output: () => log,
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker ${workerId} exited:\n${log}`);
    try {
      await worker.health();
      return worker;
    } catch {
      if (Date.now() > deadline) throw new Error(`worker ${workerId} did not start:\n${log}`);
      await sleep(100);
    }
  }
}

/** Asks a worker to stop (SIGTERM) and expects a clean exit (code 0), showing its output if not. */
export async function stopWorker(worker: WorkerProcess): Promise<void> {
  const exited = new Promise((resolve) => worker.child.once("exit", resolve));
  worker.signal("SIGTERM");
  expect(await exited, worker.output()).toBe(0);
}
