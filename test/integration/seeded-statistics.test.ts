// The benchmarks' statistics step, in a database of its own: the tables seeding filled are analyzed,
// an empty ledger table is left unanalyzed (reltuples -1), so its plans go by at least 10 pages and
// use its indexes, instead of being planned as one page and scanning the growing table.
import { describe, expect, it } from "vitest";
import { analyzeSeededTables } from "../../loadtest/seeded-statistics.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { insertUser } from "../support/search-fixtures.ts";

const scratch = useScratchDatabase("stats_check");

async function reltuples(table: string): Promise<number> {
  const { rows } = await scratch
    .pool()
    .query<{ n: number }>("select reltuples::float8 as n from pg_class where oid = $1::regclass", [table]);
  return rows[0]!.n;
}

describe("analyzeSeededTables", () => {
  it("analyzes the tables that hold rows and leaves the empty ones never analyzed", async () => {
    await insertUser(scratch.pool(), "stats-a");
    await insertUser(scratch.pool(), "stats-b");
    const analyzed = await analyzeSeededTables(scratch.pool());
    expect(analyzed).toContain("users");
    expect(analyzed).not.toContain("bookings");
    expect(await reltuples("users")).toBe(2);
    expect(await reltuples("bookings")).toBe(-1);
    expect(await reltuples("booking_status_history")).toBe(-1);
  });
});
