// PostgreSQL access: one pool per process and a transaction helper that always releases its client.
import pg from "pg";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, "query">;

// bigint (int8) columns come back as JS numbers: our counters and minor-unit amounts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PoolOptions {
  /**
   * Plan each named statement once per connection (plan_cache_mode = force_generic_plan) rather than
   * again for each call's values. For pools whose statements' best plans do not depend on the values
   * (search's reads, the shard workers' lookups and writes by key), where planning on every call
   * costs as much as running (about a millisecond for search's larger statements).
   */
  readonly genericPlans?: boolean;
}

export function createPool(connectionString: string, max = 20, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    ...(options.genericPlans ? { options: "-c plan_cache_mode=force_generic_plan" } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that kills the process.
  pool.on("error", () => {});
  return pool;
}

export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** SQLSTATE of a failed query, when the error came from PostgreSQL. */
export function pgErrorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_EXCLUSION_VIOLATION = "23P01";
