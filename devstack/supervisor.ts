// Keeps the processes `npm start` runs alive: one that exits while nobody asked it to is started again
// after a backoff (0.5 s, doubling up to 30 s; back to 0.5 s after a run of a minute or more), with a
// line in the console each time, while the others go on serving. stop() stops them all, and once it
// has been called nothing is started again.
import { type ManagedProcess, type StartOptions, startProcess } from "./managed-process.ts";

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  options?: StartOptions;
}

export interface Backoff {
  /** Wait before the first restart, and again after a run that lasted `stableAfterMs`. */
  firstDelayMs: number;
  /** Each quick exit doubles the wait, up to this. */
  maxDelayMs: number;
  /** A run at least this long counts as healthy: the next exit waits `firstDelayMs` again. */
  stableAfterMs: number;
}

export const defaultBackoff: Backoff = { firstDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** The wait before starting again a process that ran `ranForMs` after waiting `previousDelayMs` last time. */
export function restartDelay(previousDelayMs: number | null, ranForMs: number, backoff: Backoff): number {
  if (previousDelayMs === null || ranForMs >= backoff.stableAfterMs) return backoff.firstDelayMs;
  return Math.min(previousDelayMs * 2, backoff.maxDelayMs);
}

export interface ProcessStatus {
  name: string;
  /** running; waiting (exited, to be started again); stopped (by stop()). */
  state: "running" | "waiting" | "stopped";
  pid: number | null;
  /** Times it was started again after an exit. */
  restarts: number;
  startedAt: string;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  /** While waiting: when it will be started again. */
  restartAt: string | null;
}

export interface Supervisor {
  /** The running incarnation of a process; undefined while it waits to be started again, or after stop(). */
  current(name: string): ManagedProcess | undefined;
  status(): ProcessStatus[];
  /** Stops every process (a polite signal, SIGKILL after `graceMs`); nothing is started after this. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface SupervisorOptions {
  backoff?: Backoff;
  /** Where the supervisor's lines go (the console in `npm start`). */
  log?: (line: string) => void;
}

interface Slot {
  spec: ProcessSpec;
  process: ManagedProcess | undefined;
  startedAt: number;
  restarts: number;
  delayMs: number | null;
  timer: NodeJS.Timeout | undefined;
  restartAt: number | null;
  lastExit: ProcessStatus["lastExit"];
}

export function supervise(specs: ProcessSpec[], options: SupervisorOptions = {}): Supervisor {
  const backoff = options.backoff ?? defaultBackoff;
  const log = options.log ?? ((line: string) => console.log(line));
  const slots = new Map<string, Slot>();
  let stopping = false;

  function launch(slot: Slot) {
    const child = startProcess(slot.spec.name, slot.spec.command, slot.spec.args, slot.spec.options);
    slot.process = child;
    slot.startedAt = Date.now();
    child.exited.then((code) => onExit(slot, child, code));
  }

  function onExit(slot: Slot, child: ManagedProcess, code: number | null) {
    const signal = child.child.signalCode;
    slot.lastExit = { code, signal, at: new Date().toISOString() };
    if (slot.process === child) slot.process = undefined;
    if (stopping) return;
    const ranForMs = Date.now() - slot.startedAt;
    slot.delayMs = restartDelay(slot.delayMs, ranForMs, backoff);
    slot.restartAt = Date.now() + slot.delayMs;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const logFile = slot.spec.options?.logFile;
    log(
      `[supervisor] ${slot.spec.name} exited (${how}) after ${seconds(ranForMs)}; ` +
        `restart ${slot.restarts + 1} in ${seconds(slot.delayMs)}${logFile ? `; see ${logFile}` : ""}`,
    );
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      slot.restartAt = null;
      if (stopping) return;
      slot.restarts += 1;
      launch(slot);
      log(
        `[supervisor] ${slot.spec.name} started again (pid ${slot.process?.child.pid}, restart ${slot.restarts})`,
      );
    }, slot.delayMs);
  }

  for (const spec of specs) {
    if (slots.has(spec.name)) throw new Error(`two processes named ${spec.name}`);
    const slot: Slot = {
      spec,
      process: undefined,
      startedAt: Date.now(),
      restarts: 0,
      delayMs: null,
      timer: undefined,
      restartAt: null,
      lastExit: null,
    };
    slots.set(spec.name, slot);
    launch(slot);
  }

  return {
    current: (name) => slots.get(name)?.process,
    status: () =>
      [...slots.values()].map((slot) => ({
        name: slot.spec.name,
        state: slot.process ? "running" : stopping ? "stopped" : "waiting",
        pid: slot.process?.child.pid ?? null,
        restarts: slot.restarts,
        startedAt: new Date(slot.startedAt).toISOString(),
        lastExit: slot.lastExit,
        restartAt: slot.restartAt === null ? null : new Date(slot.restartAt).toISOString(),
      })),
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      stopping = true;
      for (const slot of slots.values()) {
        clearTimeout(slot.timer);
        slot.timer = undefined;
        slot.restartAt = null;
      }
      await Promise.all([...slots.values()].map((slot) => slot.process?.stop(signal, graceMs)));
    },
  };
}

function seconds(ms: number) {
  return `${(ms / 1000).toFixed(1)} s`;
}
