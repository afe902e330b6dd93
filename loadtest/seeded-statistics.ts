// Planner statistics after a benchmark seeds its data. VACUUM ANALYZE on an empty table records it as
// empty (0 rows, 0 pages), and a plan made while it holds a page or two (a primary-key check from a
// foreign key, a space's bookings) is a sequential scan. Such plans stay cached on long-lived
// connections until autovacuum analyzes the table, which took longer than a whole booking benchmark:
// every booking then scanned the growing ledger (decided/s fell by half from one 10 s round to the
// next). A table never analyzed is planned as at least 10 pages, where index scans win, as on a fresh
// system; so only the tables that hold rows are analyzed.
import type { Pool } from "../src/storage/postgres.ts";

/** VACUUM ANALYZE of every table in the public schema that holds a row; the empty ones are left alone. */
export async function analyzeSeededTables(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ name: string }>(
    `select quote_ident(relname) as name from pg_class
      where relkind = 'r' and relnamespace = 'public'::regnamespace order by relname`,
  );
  const seeded: string[] = [];
  for (const { name } of rows) {
    const { rowCount } = await pool.query(`select 1 from ${name} limit 1`);
    if ((rowCount ?? 0) > 0) seeded.push(name);
  }
  if (seeded.length > 0) await pool.query(`vacuum analyze ${seeded.join(", ")}`);
  return seeded;
}
