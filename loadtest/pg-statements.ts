// Where PostgreSQL's time goes in a benchmark run (BOOKING_BENCH_PG_STATEMENTS=1): the server is
// started with pg_stat_statements preloaded, its counters are reset before a measured run and read
// after it, and the statements that took the most execution time are printed per request answered.
import type pg from "pg";

/** Server settings that load the extension; pass them to the bench's PostgreSQL. */
export const PG_STATEMENTS_SETTINGS = [
  "shared_preload_libraries=pg_stat_statements",
  "pg_stat_statements.track=all",
];

export interface StatementCost {
  query: string;
  calls: number;
  totalMs: number;
  meanUs: number;
  rows: number;
}

export async function enableStatements(pool: pg.Pool): Promise<void> {
  await pool.query("create extension if not exists pg_stat_statements");
}

export async function resetStatements(pool: pg.Pool): Promise<void> {
  await pool.query("select pg_stat_statements_reset()");
}

/** The `limit` statements with the most execution time since the last reset (our own reads left out). */
export async function topStatements(pool: pg.Pool, limit = 8): Promise<StatementCost[]> {
  const { rows } = await pool.query<{ query: string; calls: string; total: number; rows: string }>(
    `select query, calls, total_exec_time as total, rows
       from pg_stat_statements
      where query not ilike '%pg_stat_statements%'
      order by total_exec_time desc
      limit $1`,
    [limit],
  );
  return rows.map((r) => ({
    query: r.query.replace(/\s+/g, " ").trim(),
    calls: Number(r.calls),
    totalMs: r.total,
    meanUs: (1000 * r.total) / Math.max(1, Number(r.calls)),
    rows: Number(r.rows),
  }));
}

/** Lines for the console: per request answered, each statement's calls and execution time. */
export function formatStatements(label: string, statements: StatementCost[], requests: number): string {
  const per = Math.max(1, requests);
  const total = statements.reduce((sum, s) => sum + s.totalMs, 0);
  const lines = statements.map(
    (s) =>
      `  ${(s.calls / per).toFixed(2).padStart(6)} calls/req ${s.meanUs.toFixed(0).padStart(6)} µs each ` +
      `${((1000 * s.totalMs) / per).toFixed(0).padStart(5)} µs/req  ${s.query.slice(0, 110)}`,
  );
  return [
    `[bench] pg statements, ${label}: ${((1000 * total) / per).toFixed(0)} µs of execution per request (top ${statements.length})`,
    ...lines,
  ].join("\n");
}
