// CPU time of the benchmark's processes from /proc (Linux): per process tree (a PostgreSQL
// postmaster and its backends count as one), and of the whole machine, so a run can say how many
// CPU microseconds each part spent per decided command and how much went to everything else (the
// load generator, other jobs). Reads nothing but /proc; on another OS every figure is absent.
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second for /proc times (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface ProcStat {
  pid: number;
  ppid: number;
  /**
   * utime + stime of the process, plus cutime + cstime of its children that exited and were waited
   * for (a finished wrk run counts in the bench's own figure, ended backends in the postmaster's).
   */
  seconds: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return {
      pid,
      ppid: Number(fields[1]),
      seconds: (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICKS,
    };
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/**
 * Pids whose command line holds every one of the given strings (e.g. a server's port flag; Redis
 * rewrites its own to "redis-server 127.0.0.1:<port>").
 */
export function findPids(...words: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSafe()) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const line = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (words.every((w) => line.includes(w))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function readdirSafe(): string[] {
  try {
    return readdirSync("/proc");
  } catch {
    return [];
  }
}

/** CPU seconds so far of each named group, each group being the trees under its root pids. */
export function groupSeconds(groups: Record<string, number[]>): Record<string, number> {
  const stats = allStats();
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const out: Record<string, number> = {};
  for (const [name, roots] of Object.entries(groups)) {
    let seconds = 0;
    const stack = roots.map((pid) => byPid.get(pid)).filter((s): s is ProcStat => s !== undefined);
    while (stack.length > 0) {
      const s = stack.pop()!;
      seconds += s.seconds;
      stack.push(...(children.get(s.pid) ?? []));
    }
    out[name] = seconds;
  }
  return out;
}

/** Whether `pid` is `ancestor` or one of its descendants (a daemon that detached is not). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let at: number | undefined = pid; at !== undefined && at > 1; at = readStat(at)?.ppid) {
    if (at === ancestor) return true;
  }
  return false;
}

/** Busy CPU seconds of the whole machine so far (all cores, everything but idle and iowait). */
export function machineSeconds(): number | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, ...values] = line.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS;
  } catch {
    return undefined;
  }
}
