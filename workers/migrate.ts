// One-shot process: apply database migrations, and seed the Madrid demo data when SEED_DEMO is on
// (refused in production: the demo accounts share a published password), with the demo hosts'
// payment accounts when a Stripe key is set (devstack/demo-payments.ts).
// docker-compose runs it before the other services; `npm start` does the same steps itself.
import { seedDemoData } from "../devstack/demo-data.ts";
import { describeDemoOnboarding, onboardDemoHosts } from "../devstack/demo-payments.ts";
import { loadConfigOrExit } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool } from "../src/storage/postgres.ts";

const config = loadConfigOrExit();
const logger = createLogger(config, "migrate");
const applied = await migrate(config.DATABASE_URL);
logger.info({ applied: applied.map((m) => m.name) }, "migrations applied");
if (config.SEED_DEMO) {
  const pool = createPool(config.DATABASE_URL, 2);
  const seeded = await seedDemoData(pool, {
    map: config.H3_MAP_RESOLUTION,
    shard: config.H3_SHARD_RESOLUTION,
  });
  logger.info({ seeded }, seeded > 0 ? "demo data seeded" : "demo data already present");
  logger.info(describeDemoOnboarding(await onboardDemoHosts(pool, config)));
  await pool.end();
}
