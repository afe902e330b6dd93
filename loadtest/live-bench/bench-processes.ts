// The processes a live benchmark runs: gateway processes (the real gateway, with an IPC door for
// settled memory and CPU time) and client processes (lean sockets), each forked with tsx and an
// IPC channel, and asked things by request / reply.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../../devstack/stack.ts";
import type { ClientCommand, ClientStats } from "./client-process.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

class IpcChild {
  private nextId = 0;
  private readonly waiting = new Map<number, (body: unknown) => void>();
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on("message", (message: { id: number; body: unknown }) => {
      this.waiting.get(message.id)?.(message.body);
      this.waiting.delete(message.id);
    });
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  }

  request<T>(command: unknown, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(id, (body) => {
        clearTimeout(timer);
        resolve(body as T);
      });
      this.exited.then((code) => reject(new Error(`${this.name} exited (${code})`)));
      this.child.send({ id, command });
    });
  }

  async stop(graceMs = 5_000) {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface SettledMemory {
  rss: number;
  heapUsed: number;
  external: number;
  gcExposed: boolean;
}

export class BenchGateway extends IpcChild {
  constructor(
    child: ChildProcess,
    readonly url: string,
    readonly port: number,
  ) {
    super(`gateway:${port}`, child);
  }

  memory() {
    return this.request<SettledMemory>("memory");
  }

  /** CPU time used so far, in ms: user + system, and the system (kernel) part. */
  async cpu() {
    const usage = await this.request<{ user: number; system: number }>("cpu");
    return { totalMs: (usage.user + usage.system) / 1000, systemMs: usage.system / 1000 };
  }
}

export async function startBenchGateway(env: Record<string, string>): Promise<BenchGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = fork("loadtest/live-bench/gateway-process.ts", [], {
    cwd: root,
    // LIVE_BENCH_CPU_PROF=<dir>: a V8 CPU profile of each gateway, written when it stops.
    execArgv: [
      "--expose-gc",
      ...(process.env.LIVE_BENCH_CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.LIVE_BENCH_CPU_PROF}`]
        : []),
      // LIVE_BENCH_GATEWAY_FLAGS="--trace-gc …": more node flags for the gateway process.
      ...(process.env.LIVE_BENCH_GATEWAY_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
      "--import",
      "tsx",
    ],
    env: { ...process.env, ...env, HTTP_PORT: String(port), HTTP_HOST: "127.0.0.1", PUBLIC_URL: url },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const gateway = new BenchGateway(child, url, port);
  let gone = false;
  void gateway.exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (gone) throw new Error("the gateway exited while starting");
    if (Date.now() > deadline) throw new Error("the gateway did not start in 90 s");
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return gateway;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A client process as the scenarios use it: a Node one (client-process.ts) or the native one. */
export interface LiveBenchClient {
  readonly name: string;
  command<T>(command: ClientCommand, timeoutMs?: number): Promise<T>;
  stats(): Promise<ClientStats>;
  close(): Promise<void>;
}

export class BenchClient extends IpcChild implements LiveBenchClient {
  command<T>(command: ClientCommand, timeoutMs?: number) {
    return this.request<T>(command, timeoutMs);
  }

  stats() {
    return this.command<ClientStats>({ type: "stats" });
  }

  async close() {
    await this.command({ type: "close" }).catch(() => undefined);
    await this.stop();
  }
}

/** `readPauseMs`: how long a client process sleeps after a turn that read frames (setReadPause). */
export function startBenchClients(count: number, readPauseMs = 0): BenchClient[] {
  return Array.from(
    { length: count },
    (_, i) =>
      new BenchClient(
        `client-${i + 1}`,
        fork("loadtest/live-bench/client-process.ts", [], {
          cwd: root,
          // LIVE_BENCH_CLIENT_FLAGS="--trace-gc …": more node flags for the client processes.
          execArgv: [
            ...(process.env.LIVE_BENCH_CLIENT_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
            "--import",
            "tsx",
          ],
          env: { ...process.env, LIVE_BENCH_READ_PAUSE_MS: String(readPauseMs) },
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        }),
      ),
  );
}

/** Splits `items` into `parts` nearly equal consecutive slices. */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size));
}

export async function totalStats(clients: readonly LiveBenchClient[]): Promise<ClientStats> {
  const all = await Promise.all(clients.map((c) => c.stats()));
  return all.reduce((sum, s) => ({
    sockets: sum.sockets + s.sockets,
    closed: sum.closed + s.closed,
    frames: sum.frames + s.frames,
    deltas: sum.deltas + s.deltas,
    snapshots: sum.snapshots + s.snapshots,
    prompts: sum.prompts + s.prompts,
    bytes: sum.bytes + s.bytes,
    firstDeltaAt: Math.min(
      ...[sum.firstDeltaAt, s.firstDeltaAt].filter((t) => t > 0),
      Number.POSITIVE_INFINITY,
    ),
    lastDeltaAt: Math.max(sum.lastDeltaAt, s.lastDeltaAt),
    cpuMs: sum.cpuMs + s.cpuMs,
    systemMs: sum.systemMs + s.systemMs,
  }));
}
