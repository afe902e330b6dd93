// The booking benchmark's tables (markdown): the summary per scenario (medians of the rounds with
// ranges, the ratio to the naive server, CPU per decided booking, rounds whose p99 strays), every
// run, CPU by process, our shard workers' counters, and a paid scenario against its unpaid twin
// with what the paying loop did. Pure: rows in, text out.
import type { LoadResult } from "./booking-load-wrk.ts";
import type { PayingSummary } from "./booking-paying-loop.ts";

/** How a run loads its peer: as fast as answers come with keys, paced with keys, or without keys. */
export type LoadKind = "max" | "paced" | "keyless";

export const LOAD_LABELS: Record<LoadKind, string> = {
  max: "max, keys",
  paced: "paced, keys",
  keyless: "max, no keys",
};

/** The peer every other is divided by in "vs naive". */
export const BASELINE = "naive";

export interface Row {
  scenario: string;
  peer: string;
  load: LoadKind;
  round: number;
  /** Requests/s offered (paced runs only). */
  rate: number | undefined;
  result: LoadResult;
  overlaps: number;
  loadAverage: number;
  /** CPU seconds during the run by group, plus "total" (every process of the run) and "machine". */
  cpu: Record<string, number> | undefined;
  /** The peer's counters over the run (ours: shard workers' stats). */
  work: Record<string, number> | undefined;
  /** Redis commands over the run (rows with counters): calls and µs inside Redis, by command. */
  redisCommands: Record<string, { calls: number; usec: number }> | undefined;
  /** What the paying loop did during and after the run (scenarios with payments on). */
  payments?: PayingSummary | undefined;
}

/** Decided = 201 + 409: a booking made, or a taken slot refused. */
export const decided = (r: LoadResult) => (r.statuses[201] ?? 0) + (r.statuses[409] ?? 0);
const perSecond = (r: LoadResult) => decided(r) / r.seconds;
export const requestsPerSecond = (r: LoadResult) => r.requests / r.seconds;
const wonShare = (r: LoadResult) => (r.requests > 0 ? (r.statuses[201] ?? 0) / r.requests : 0);
const cpuPerDecided = (row: Row) =>
  row.cpu ? ((row.cpu.total ?? 0) * 1e6) / Math.max(1, decided(row.result)) : undefined;

const int = (n: number) => Math.round(n).toLocaleString("en");
const percent = (share: number) => `${(100 * share).toFixed(0)} %`;
const fixed1 = (n: number) => n.toFixed(1);

function errorsOf(r: LoadResult) {
  const other = Object.entries(r.statuses).filter(([status]) => status !== "201" && status !== "409");
  const total = other.reduce((sum, [, n]) => sum + n, 0) + r.socketErrors;
  if (total === 0) return "0";
  const parts = other.map(([status, n]) => `${n}×${status}`);
  if (r.socketErrors > 0) parts.push(`${r.socketErrors} socket`);
  return `${total} (${parts.join(", ")})`;
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The median, and the range in brackets when there are several values. */
function medianOf(values: number[], format: (n: number) => string) {
  if (values.length === 0) return "–";
  const range = values.length > 1 ? ` (${format(Math.min(...values))}–${format(Math.max(...values))})` : "";
  return `${format(median(values))}${range}`;
}

/** The issue's tail goal: no round's p99 above 3× the median round's. */
function strayP99(rounds: Row[]) {
  if (rounds.length < 2) return "–";
  const limit = 3 * median(rounds.map((r) => r.result.p99Ms));
  const strays = rounds.filter((r) => r.result.p99Ms > limit);
  return strays.length === 0
    ? "no"
    : `**yes**: ${strays.map((r) => `round ${r.round} ${r.result.p99Ms.toFixed(1)} ms`).join(", ")}`;
}

/** Rows grouped by scenario, peer and load, in the order they ran. */
function groups(rows: Row[]): Row[][] {
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.scenario}\u0000${row.peer}\u0000${row.load}`;
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  const order = [...new Set(rows.map((r) => r.scenario))];
  return [...byKey.values()].sort((a, b) => order.indexOf(a[0]!.scenario) - order.indexOf(b[0]!.scenario));
}

/**
 * Per scenario, peer and load, over the rounds: medians with the range in brackets; "vs naive"
 * divides the decided/s medians of the keyed max rows; CPU is every process's (servers, Redis,
 * PostgreSQL, wrk, the bench) per decided booking.
 */
export function summaryTable(rows: Row[]): string {
  const lines = [
    "| scenario | peer | load | rounds | offered/s | requests/s | decided/s | 201 share | p50 ms | p99 ms | vs naive | CPU µs per decided | a round's p99 > 3× median | overlaps |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  ];
  const all = groups(rows);
  for (const own of all) {
    const { scenario, peer, load } = own[0]!;
    const baseline = all.find(
      (g) => g[0]!.scenario === scenario && g[0]!.peer === BASELINE && g[0]!.load === "max",
    );
    const rate = median(own.map((r) => perSecond(r.result)));
    const ratio =
      load === "max" && baseline ? (rate / median(baseline.map((r) => perSecond(r.result)))).toFixed(2) : "–";
    const offered = own.flatMap((r) => (r.rate === undefined ? [] : [r.rate]));
    const of = (value: (r: Row) => number, format: (n: number) => string) => medianOf(own.map(value), format);
    const cells = [
      scenario,
      peer,
      LOAD_LABELS[load],
      own.length,
      offered.length > 0 ? medianOf(offered, int) : "max",
      of((r) => requestsPerSecond(r.result), int),
      of((r) => perSecond(r.result), int),
      of((r) => wonShare(r.result), percent),
      of((r) => r.result.p50Ms, fixed1),
      of((r) => r.result.p99Ms, fixed1),
      ratio,
      medianOf(
        own.flatMap((r) => cpuPerDecided(r) ?? []),
        int,
      ),
      strayP99(own),
      own.reduce((n, r) => n + r.overlaps, 0),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** One line per run. */
export function runsTable(rows: Row[]): string {
  const lines = [
    "| scenario | peer | load | round | offered/s | requests/s | decided/s | 201 | 409 | 201 share | errors | p50 ms | p99 ms | overlaps | load 1m |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const r = row.result;
    const cells = [
      row.scenario,
      row.peer,
      LOAD_LABELS[row.load],
      row.round,
      row.rate === undefined ? "max" : int(row.rate),
      int(requestsPerSecond(r)),
      int(perSecond(r)),
      r.statuses[201] ?? 0,
      r.statuses[409] ?? 0,
      percent(wonShare(r)),
      errorsOf(r),
      fixed1(r.p50Ms),
      fixed1(r.p99Ms),
      row.overlaps,
      row.loadAverage.toFixed(2),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** CPU µs per decided booking by process group, every process, and the share of the machine busy. */
export function cpuTable(rows: Row[], columns: readonly string[], cores: number): string {
  const lines = [
    `| scenario | peer | load | round | ${columns.join(" | ")} | all processes | machine busy |`,
    `| --- | --- | --- | ---: | ${columns.map(() => "---:").join(" | ")} | ---: | ---: |`,
  ];
  for (const row of rows) {
    if (!row.cpu) continue;
    const n = Math.max(1, decided(row.result));
    const cells = [...columns, "total"].map((g) => int(((row.cpu![g] ?? 0) * 1e6) / n));
    const busy = (100 * (row.cpu.machine ?? 0)) / (row.result.seconds * cores);
    lines.push(
      `| ${row.scenario} | ${row.peer} | ${LOAD_LABELS[row.load]} | ${row.round} | ${cells.join(" | ")} | ${busy.toFixed(0)} % |`,
    );
  }
  return lines.join("\n");
}

/** Our shard workers' counters per run, and Redis's time inside commands per decided booking. */
export function workLines(rows: Row[]): string[] {
  const lines: string[] = [];
  for (const row of rows.filter((r) => r.work)) {
    const w = row.work!;
    const per = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : "-");
    lines.push(
      `${row.scenario}, ${LOAD_LABELS[row.load]}, round ${row.round}, shard workers: ${w.commandsProcessed} commands, ${w.batchesCommitted} batches ` +
        `(${per(w.commandsProcessed ?? 0, w.batchesCommitted ?? 0)} commands per batch) in ${w.commitCalls} fenced commit calls ` +
        `(${per(w.batchesCommitted ?? 0, w.commitCalls ?? 0)} batches per call), ${w.mailboxReads} mailbox reads ` +
        `(${per(w.entriesRead ?? 0, w.mailboxReads ?? 0)} entries per read), ${w.actorsActivated} activations`,
    );
    if (row.redisCommands) {
      const n = Math.max(1, decided(row.result));
      const top = Object.entries(row.redisCommands)
        .filter(([, v]) => v.calls > 0)
        .sort((a, b) => b[1].usec - a[1].usec)
        .slice(0, 8)
        .map(([k, v]) => `${k} ${(v.calls / n).toFixed(2)}×/cmd ${(v.usec / n).toFixed(1)} µs/cmd`);
      lines.push(`  Redis time inside commands, per decided command: ${top.join("; ")}`);
    }
  }
  return lines;
}

/** A scenario with payments on and the same scenario with payments off, by name. */
export interface PaymentsPair {
  off: string;
  on: string;
}

/**
 * Ours with payments on against off, per load: decided/s and p99 (medians, ranges), the ratio of
 * the medians and each round's own ratio (the runs of a round are next to each other in time), and
 * the payments made during the storms (medians per run).
 */
export function paymentsTable(rows: Row[], pairs: readonly PaymentsPair[]): string {
  const lines = [
    "| scenario | load | rounds | decided/s, payments off | decided/s, payments on | on ÷ off | on ÷ off by round | p99 ms, off | p99 ms, on | paid during the storm | paid after it | payment p50 / p99 ms | failed, unpaid |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const pair of pairs) {
    for (const load of ["max", "paced"] as const) {
      const pick = (scenario: string) =>
        rows.filter((r) => r.scenario === scenario && r.peer === "ours" && r.load === load);
      const off = pick(pair.off);
      const on = pick(pair.on);
      if (off.length === 0 || on.length === 0) continue;
      const rate = (rs: Row[]) => median(rs.map((r) => perSecond(r.result)));
      const byRound = on.flatMap((r) => {
        const twin = off.find((o) => o.round === r.round);
        return twin ? [(perSecond(r.result) / perSecond(twin.result)).toFixed(2)] : [];
      });
      const paid = on.flatMap((r) => (r.payments ? [r.payments] : []));
      const failed = paid.reduce((n, p) => n + Object.values(p.failed).reduce((a, b) => a + b, 0), 0);
      const unpaid = paid.reduce((n, p) => n + p.unpaid, 0);
      const cells = [
        pair.on,
        LOAD_LABELS[load],
        Math.min(off.length, on.length),
        medianOf(
          off.map((r) => perSecond(r.result)),
          int,
        ),
        medianOf(
          on.map((r) => perSecond(r.result)),
          int,
        ),
        (rate(on) / rate(off)).toFixed(2),
        byRound.join(", "),
        medianOf(
          off.map((r) => r.result.p99Ms),
          fixed1,
        ),
        medianOf(
          on.map((r) => r.result.p99Ms),
          fixed1,
        ),
        medianOf(
          paid.map((p) => p.duringStorm),
          int,
        ),
        medianOf(
          paid.map((p) => p.paid - p.duringStorm),
          int,
        ),
        paid.length === 0
          ? "–"
          : `${fixed1(median(paid.map((p) => p.p50Ms)))} / ${fixed1(median(paid.map((p) => p.p99Ms)))}`,
        `${failed}, ${unpaid}`,
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/** One line per run with payments on: what the paying loop did. */
export function payingLines(rows: Row[]): string[] {
  return rows.flatMap((row) => {
    const p = row.payments;
    if (!p) return [];
    const failures = Object.entries(p.failed).map(([why, n]) => `${n}× ${why}`);
    return [
      `${row.scenario}, ${LOAD_LABELS[row.load]}, round ${row.round}: ${p.paid} paid (${p.duringStorm} during the storm, ` +
        `${p.paid - p.duringStorm} after it), p50 ${fixed1(p.p50Ms)} ms, p99 ${fixed1(p.p99Ms)} ms; ` +
        `failed: ${failures.length === 0 ? "none" : failures.join(", ")}; left unpaid: ${p.unpaid}`,
    ];
  });
}
