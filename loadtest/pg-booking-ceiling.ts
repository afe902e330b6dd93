// PostgreSQL's own ceiling for writing bookings on this machine, with no HTTP, no Redis, no actors:
// the booking ledger's request statement (booking row, command record, status history, outbox row,
// the space row held `for share`) run back to back from a few connections, one booking per statement
// and then many spaces' bookings per statement (as the shard workers' group commit sends them), and
// the naive server's read-check-write transaction. Windows never overlap, so every row lands. It
// bounds every server in the booking benchmark (loadtest/booking-bench.ts), which uses the same setup.
//   node --import tsx loadtest/pg-booking-ceiling.ts
//   PG_CEILING_SECONDS=5 PG_CEILING_CONNECTIONS=8 node --import tsx loadtest/pg-booking-ceiling.ts
import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type RequestBatch, writeRequestBatches } from "../actors/space/space-ledger.ts";
import { seededRandom } from "../devstack/seeded-random.ts";
import { freePort, type Stack, startStack } from "../devstack/stack.ts";
import { loadConfig } from "../src/config/index.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool, type Pool, withTransaction } from "../src/storage/postgres.ts";
import { insertSpaces, insertUser, spaceSeed } from "../test/support/search-fixtures.ts";
import { analyzeSeededTables } from "./seeded-statistics.ts";

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num("PG_CEILING_SECONDS", 5);
const CONNECTIONS = num("PG_CEILING_CONNECTIONS", 8);
const SPACES = num("PG_CEILING_SPACES", 10_000);
const GROUP = num("PG_CEILING_GROUP", 32);
const HOUR = 3_600_000;
const random = seededRandom(4);

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-pg-ceiling-"));
chmodSync(dataDir, 0o755);
let stack: Stack | undefined;
const loadBefore = loadavg();
try {
  stack = await startStack({
    dataDir,
    redisPort: await freePort(),
    postgresPort: await freePort(),
    database: "parkealo_ceiling",
    ephemeral: true,
  });
  await migrate(stack.databaseUrl);
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: "x".repeat(32),
  });
  const pool = createPool(stack.databaseUrl, CONNECTIONS);
  const hostId = await insertUser(pool, "ceiling-host");
  const spaceIds = await insertSpaces(
    pool,
    Array.from({ length: SPACES }, () => spaceSeed(hostId, 37 + random() * 6, -8.5 + random() * 11)),
    { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION },
    5_000,
  );
  const driverId = await insertUser(pool, "ceiling-driver");
  await analyzeSeededTables(pool);

  // Each space's next free hour: bookings of a space follow one another, never overlapping.
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  const nextHour = new Map<string, number>();
  const nextBatch = (): RequestBatch => {
    const spaceId = spaceIds[Math.floor(random() * spaceIds.length)]!;
    const hour = nextHour.get(spaceId) ?? 0;
    nextHour.set(spaceId, hour + 1);
    const id = randomUUID();
    const commandId = `ceiling:${id}`;
    const start = new Date(base + hour * HOUR).toISOString();
    const end = new Date(base + (hour + 1) * HOUR).toISOString();
    return {
      spaceId,
      settingsVersion: null,
      rows: [
        {
          id,
          command_id: commandId,
          command_type: "requestBooking",
          driver_id: driverId,
          status: "confirmed",
          start,
          end,
          currency: "EUR",
          total_amount: 300,
          platform_fee: 45,
          host_earnings: 255,
          vehicle: null,
          special_requests: null,
          expires_at: null,
          payload: { spaceId, commandId, type: "bookingRequested" },
          fingerprint: `sha256:${id}`,
          answer: JSON.stringify({ id, spaceId, status: "confirmed", start, end }),
        },
      ],
    };
  };
  /** Distinct spaces for one grouped statement. */
  const nextGroup = (size: number): RequestBatch[] => {
    const group = new Map<string, RequestBatch>();
    while (group.size < size) {
      const batch = nextBatch();
      if (!group.has(batch.spaceId)) group.set(batch.spaceId, batch);
      else nextHour.set(batch.spaceId, (nextHour.get(batch.spaceId) ?? 1) - 1);
    }
    return [...group.values()];
  };

  const naiveBook = async (db: Pool, batch: RequestBatch) => {
    const row = batch.rows[0]!;
    await withTransaction(db, async (tx) => {
      await tx.query("select status from parking_spaces where id = $1 for update", [batch.spaceId]);
      await Promise.all([
        tx.query("select day_of_week from space_availability where space_id = $1", [batch.spaceId]),
        tx.query("select local_date from space_availability_exceptions where space_id = $1", [batch.spaceId]),
        tx.query(
          `select id from bookings where space_id = $1 and during && tstzrange($2, $3, '[)')
             and status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active')`,
          [batch.spaceId, row.start, row.end],
        ),
      ]);
      await tx.query(
        `insert into bookings (id, space_id, driver_id, status, during, currency, total_amount, platform_fee,
           host_earnings, command_id) values ($1, $2, $3, 'confirmed', tstzrange($4, $5, '[)'), 'EUR', 300, 45, 255, $6)`,
        [row.id, batch.spaceId, row.driver_id, row.start, row.end, row.command_id],
      );
      await tx.query(
        `insert into booking_status_history (booking_id, from_status, to_status, changed_by)
         values ($1, null, 'confirmed', $2)`,
        [row.id, row.driver_id],
      );
      await tx.query(
        `insert into outbox (aggregate_type, aggregate_id, event_type, payload)
         values ('booking', $1, 'booking.requested', $2::jsonb)`,
        [row.id, JSON.stringify(row.payload)],
      );
    });
  };

  /** Runs `step` back to back on every connection for SECONDS; returns bookings/s and the load after. */
  const measure = async (step: () => Promise<number>) => {
    const until = performance.now() + SECONDS * 1000;
    const started = performance.now();
    const counts = await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        let n = 0;
        while (performance.now() < until) n += await step();
        return n;
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: counts.reduce((a, b) => a + b, 0) / seconds, load: loadavg()[0]! };
  };

  const cases: [string, () => Promise<number>][] = [
    [
      "ledger request statement, 1 booking per statement",
      async () => (await writeRequestBatches(pool, [nextBatch()])).size,
    ],
    [
      `ledger request statement, ${GROUP} spaces' bookings per statement`,
      async () => {
        const written = await writeRequestBatches(pool, nextGroup(GROUP));
        return [...written.values()].reduce((a, b) => a + b, 0);
      },
    ],
    [
      "naive transaction (lock, 3 reads, 3 inserts), 1 booking each",
      async () => {
        await naiveBook(pool, nextBatch());
        return 1;
      },
    ],
  ];
  const lines = ["| statement | connections | bookings/s | load 1m after |", "| --- | ---: | ---: | ---: |"];
  for (const [name, step] of cases) {
    const { perSecond, load } = await measure(step);
    lines.push(
      `| ${name} | ${CONNECTIONS} | ${Math.round(perSecond).toLocaleString("en")} | ${load.toFixed(2)} |`,
    );
    console.log(`[ceiling] ${name}: ${Math.round(perSecond)} bookings/s`);
  }
  await pool.end();
  console.log(
    `\ncommand: node --import tsx loadtest/pg-booking-ceiling.ts (PG_CEILING_SECONDS=${SECONDS} ` +
      `PG_CEILING_CONNECTIONS=${CONNECTIONS} PG_CEILING_SPACES=${SPACES} PG_CEILING_GROUP=${GROUP})`,
  );
  console.log(
    `load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} after\n`,
  );
  console.log(lines.join("\n"));
} finally {
  await stack?.stop();
  if (stack) rmSync(stack.postgresDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
