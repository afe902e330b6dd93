// Applies the SQL migrations in ./migrations (node-pg-migrate; one file per step, `-- Up Migration`
// then `-- Down Migration`). Safe to call from several processes: node-pg-migrate takes an advisory lock.
import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";

export const migrationsDir = fileURLToPath(new URL("./migrations", import.meta.url));

export async function migrate(
  databaseUrl: string,
  direction: "up" | "down" = "up",
  count = Number.POSITIVE_INFINITY,
) {
  return runner({
    databaseUrl,
    dir: migrationsDir,
    direction,
    count,
    migrationsTable: "schema_migrations",
    log: () => {},
    singleTransaction: true,
  });
}
