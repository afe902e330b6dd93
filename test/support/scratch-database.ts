// A database of a test file's own on the test cluster (from DATABASE_URL): created and migrated before
// the file's tests, dropped after them. For tests that need tables nobody else writes to.
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { migrate } from "../../src/storage/migrate.ts";
import { createPool, type Pool } from "../../src/storage/postgres.ts";

export interface ScratchDatabase {
  /** Its connection URL. */
  url: string;
  /** A pool on it, open from beforeAll to afterAll. */
  pool(): Pool;
}

export function useScratchDatabase(prefix: string, poolSize = 2): ScratchDatabase {
  const database = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  const url = new URL(process.env.DATABASE_URL ?? "");
  url.pathname = `/${database}`;
  let pool: Pool | undefined;

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`create database ${database}`);
    await migrate(url.toString());
    pool = createPool(url.toString(), poolSize);
  }, 60_000);

  afterAll(async () => {
    await pool?.end();
    await admin.query(`drop database if exists ${database}`);
    await admin.end();
  });

  return {
    url: url.toString(),
    pool() {
      if (!pool) throw new Error("the scratch database is open from beforeAll to afterAll");
      return pool;
    },
  };
}
