// The benchmarks' statistics step, in a database of its own: the tables seeding filled are analyzed,
// an empty ledger table is left unanalyzed (reltuples -1), so its plans go by at least 10 pages and
// use its indexes, instead of being planned as one page and scanning the growing table.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeSeededTables } from "../../loadtest/seeded-statistics.ts";
import { migrate } from "../../src/storage/migrate.ts";
import { createPool, type Pool } from "../../src/storage/postgres.ts";
import { insertUser } from "../support/search-fixtures.ts";

const database = `stats_check_${process.pid}`;
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
const url = new URL(process.env.DATABASE_URL ?? "");
url.pathname = `/${database}`;
let pool: Pool;

beforeAll(async () => {
  await admin.connect();
  await admin.query(`create database ${database}`);
  await migrate(url.toString());
  pool = createPool(url.toString(), 2);
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await admin.query(`drop database if exists ${database}`);
  await admin.end();
});

async function reltuples(table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    "select reltuples::float8 as n from pg_class where oid = $1::regclass",
    [table],
  );
  return rows[0]!.n;
}

describe("analyzeSeededTables", () => {
  it("analyzes the tables that hold rows and leaves the empty ones never analyzed", async () => {
    await insertUser(pool, "stats-a");
    await insertUser(pool, "stats-b");
    const analyzed = await analyzeSeededTables(pool);
    expect(analyzed).toContain("users");
    expect(analyzed).not.toContain("bookings");
    expect(await reltuples("users")).toBe(2);
    expect(await reltuples("bookings")).toBe(-1);
    expect(await reltuples("booking_status_history")).toBe(-1);
  });
});
