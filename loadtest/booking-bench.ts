// Booking benchmark (issue 4): decided bookings/s and p50/p99 through REST for (a) uniform load over
// 10,000 spaces, (b) a flash crowd on 10 spaces, (c) one hot space, for the real system (a gateway
// process and shard-worker processes deciding through the space actors) next to a naive Hono +
// PostgreSQL server (loadtest/naive-booking-server.ts, SELECT … FOR UPDATE read-check-write) in the
// same run, on a private Redis + PostgreSQL. The generator is wrk with loadtest/wrk/booking.lua
// (a Node client only when wrk cannot be had). After each run, SQL checks that no slot-holding
// bookings overlap. Each scenario runs in rounds (ours, then naive, per round) and the summary gives
// each row's median and range over the rounds: this machine's speed drifts by a quarter from second
// to second, so one run per row says little. Prints markdown tables, the command and the load average.
//   npm run bench:bookings
//   BOOKING_BENCH_ROUNDS=1 BOOKING_BENCH_SECONDS=10 BOOKING_BENCH_PROFILE=1 npm run bench:bookings
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { shardOfShardCell } from "../actors/runtime/index.ts";
import { type ManagedProcess, startProcess, waitUntil } from "../devstack/managed-process.ts";
import { seededRandom } from "../devstack/seeded-random.ts";
import { freePort, type Stack, startStack } from "../devstack/stack.ts";
import { wrkBinary } from "../devstack/system-packages.ts";
import { AccessTokens } from "../src/auth/access-tokens.ts";
import { loadConfig } from "../src/config/index.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool, type Pool } from "../src/storage/postgres.ts";
import { insertSpaces, insertUser, spaceSeed } from "../test/support/search-fixtures.ts";
import { nodeLoad } from "./booking-load-node.ts";
import { type LoadResult, wrkLoad } from "./booking-load-wrk.ts";
import { findPids, groupSeconds, machineSeconds } from "./process-cpu.ts";
import { analyzeSeededTables } from "./seeded-statistics.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num("BOOKING_BENCH_SECONDS", 10);
/** Runs per scenario and server, ours and naive taking turns. */
const ROUNDS = num("BOOKING_BENCH_ROUNDS", 3);
const WARMUP_SECONDS = num("BOOKING_BENCH_WARMUP_SECONDS", 3);
const CONNECTIONS = num("BOOKING_BENCH_CONNECTIONS", 64);
const WRK_THREADS = num("BOOKING_BENCH_THREADS", 1);
/**
 * One shard worker on this 2-core machine: it owns every shard, so each mailbox read and each turn's
 * commits take more commands at once than two workers' would (see loadtest/README.md, sixth round).
 */
const SHARD_WORKERS = num("BOOKING_BENCH_WORKERS", 1);
const DRIVERS = num("BOOKING_BENCH_DRIVERS", 1_000);
const UNIFORM_SPACES = num("BOOKING_BENCH_SPACES", 10_000);
const PROFILE = process.env.BOOKING_BENCH_PROFILE === "1";
/** Extra node flags for the gateway and shard workers (e.g. "--trace-gc"); their logs are kept. */
const NODE_FLAGS = (process.env.BOOKING_BENCH_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
/** The run's folder (processes' logs, profiles) stays when profiling or given node flags. */
const KEEP_DATA_DIR = PROFILE || NODE_FLAGS.length > 0;
/** Which scenarios to run (a, b, c), e.g. BOOKING_BENCH_SCENARIOS=a,c; all by default. */
const ONLY = (process.env.BOOKING_BENCH_SCENARIOS ?? "a,b,c").split(",");
/** Windows start on whole hours over the week that begins two days from now. */
const SLOTS = 7 * 24;
const HOUR = 3_600_000;
const SLOT_HOLDING = `('awaiting_payment', 'pending_approval', 'confirmed', 'active')`;

/**
 * Where the flash crowd's spaces are: "venue", within about 400 m of a stadium, as the spaces a
 * crowd goes for are (so in one shard cell); "spread", over Iberia like (a)'s (before 2026-12-04).
 */
const FLASH = process.env.BOOKING_BENCH_FLASH === "spread" ? "spread" : "venue";

const random = seededRandom(20261125);
const scenarios = [
  { key: "a", name: "(a) uniform, 10,000 spaces", spaces: UNIFORM_SPACES, where: "spread" },
  { key: "b", name: "(b) flash crowd, 10 spaces", spaces: 10, where: FLASH },
  { key: "c", name: "(c) one hot space", spaces: 1, where: "spread" },
] as const;
/** Estadio Santiago Bernabéu, Madrid. */
const VENUE = { lat: 40.4531, lng: -3.6883 };
type ServerName = "ours" | "naive";

/**
 * Spaces open around the clock, spread over Iberia (so over many H3 shard cells and every shard) or
 * around the venue (±0.0036° lat, ±0.0048° lng: about 400 m each way).
 */
async function seedSpaces(
  pool: Pool,
  hostId: string,
  count: number,
  where: "spread" | "venue",
  resolutions: { map: number; shard: number },
) {
  const seeds = Array.from({ length: count }, () =>
    where === "venue"
      ? spaceSeed(hostId, VENUE.lat + (random() - 0.5) * 0.0072, VENUE.lng + (random() - 0.5) * 0.0096, {
          minDurationMinutes: 30,
        })
      : spaceSeed(hostId, 37 + random() * 6, -8.5 + random() * 11, { minDurationMinutes: 30 }),
  );
  return insertSpaces(pool, seeds, resolutions, 5_000);
}

/** How many shards a set of spaces falls in. */
async function shardsOf(pool: Pool, spaceIds: string[], shardCount: number): Promise<number> {
  const { rows } = await pool.query<{ cell: string }>(
    "select h3_shard_cell as cell from parking_spaces where id = any($1::uuid[])",
    [spaceIds],
  );
  return new Set(rows.map((r) => shardOfShardCell(r.cell, shardCount))).size;
}

async function seedDrivers(pool: Pool, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await pool.query(
    `insert into users (id, email, password_hash, first_name, last_name)
     select id, 'bench-' || id || '@bench.parkealo.live', 'x', 'Bench', 'Driver' from unnest($1::uuid[]) id`,
    [ids],
  );
  await pool.query(`insert into user_roles (user_id, role) select id, 'driver' from unnest($1::uuid[]) id`, [
    ids,
  ]);
  return ids;
}

async function overlapping(pool: Pool, spaceIds: string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from bookings a join bookings b
        on a.space_id = b.space_id and a.id < b.id and a.during && b.during
      where a.space_id = any($1::uuid[]) and a.status in ${SLOT_HOLDING} and b.status in ${SLOT_HOLDING}`,
    [spaceIds],
  );
  return rows[0]!.n;
}

interface Row {
  scenario: string;
  server: ServerName;
  round: number;
  result: LoadResult;
  overlaps: number;
  load: number;
  /** CPU seconds each group of processes spent during the measured run (none off Linux). */
  cpu: Record<string, number> | undefined;
  /** Shard workers' counters over the measured run (ours only). */
  work: Record<string, number> | undefined;
  /** Redis commands over the measured run (ours only): calls and µs inside Redis, by command. */
  redisCommands: Record<string, { calls: number; usec: number }> | undefined;
}

/** INFO commandstats as calls and µs by command name. */
async function redisCommandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const text = await redis.info("commandstats");
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    out[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return out;
}

/** The columns of the CPU table, in order; "rest" is the machine's busy time nobody above spent. */
const CPU_GROUPS = ["gateway", "workers", "naive", "redis", "postgres", "wrk+bench", "rest"] as const;

const decided = (r: LoadResult) => (r.statuses[201] ?? 0) + (r.statuses[409] ?? 0);
const perSecond = (r: LoadResult) => decided(r) / r.seconds;
const errorsOf = (r: LoadResult) => {
  const other = Object.entries(r.statuses).filter(([status]) => status !== "201" && status !== "409");
  const total = other.reduce((sum, [, n]) => sum + n, 0) + r.socketErrors;
  if (total === 0) return "0";
  const parts = other.map(([status, n]) => `${n}×${status}`);
  if (r.socketErrors > 0) parts.push(`${r.socketErrors} socket`);
  return `${total} (${parts.join(", ")})`;
};

function table(rows: Row[]): string {
  const lines = [
    "| scenario | server | round | decided/s | 201 | 409 | errors | p50 ms | p99 ms | vs naive | overlaps | load 1m |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    const naive = rows.find(
      (r) => r.scenario === row.scenario && r.round === row.round && r.server === "naive",
    );
    const ratio =
      naive && perSecond(naive.result) > 0 ? perSecond(row.result) / perSecond(naive.result) : NaN;
    const r = row.result;
    lines.push(
      `| ${row.scenario} | ${row.server} | ${row.round} | ${Math.round(perSecond(r)).toLocaleString("en")} | ` +
        `${r.statuses[201] ?? 0} | ${r.statuses[409] ?? 0} | ${errorsOf(r)} | ${r.p50Ms.toFixed(1)} | ` +
        `${r.p99Ms.toFixed(1)} | ${row.server === "naive" ? "1.00" : ratio.toFixed(2)} | ${row.overlaps} | ${row.load.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const range = (values: number[], digits: number) =>
  values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})` : "";

/** Per scenario and server: the median over the rounds, and the range in brackets. */
function summaryTable(rows: Row[]): string {
  const lines = [
    "| scenario | server | rounds | decided/s | p50 ms | p99 ms | vs naive | overlaps |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const scenarioNames = [...new Set(rows.map((r) => r.scenario))];
  for (const scenario of scenarioNames) {
    const naiveRate = median(
      rows.filter((r) => r.scenario === scenario && r.server === "naive").map((r) => perSecond(r.result)),
    );
    for (const server of ["ours", "naive"] as const) {
      const own = rows.filter((r) => r.scenario === scenario && r.server === server);
      if (own.length === 0) continue;
      const rates = own.map((r) => perSecond(r.result));
      const p50s = own.map((r) => r.result.p50Ms);
      const p99s = own.map((r) => r.result.p99Ms);
      const rate = `${Math.round(median(rates)).toLocaleString("en")}${range(rates.map(Math.round), 0)}`;
      const ratio = server === "naive" ? "1.00" : (median(rates) / naiveRate).toFixed(2);
      lines.push(
        `| ${scenario} | ${server} | ${own.length} | ${rate} | ${median(p50s).toFixed(1)}${range(p50s, 1)} | ` +
          `${median(p99s).toFixed(1)}${range(p99s, 1)} | ${ratio} | ${own.reduce((n, r) => n + r.overlaps, 0)} |`,
      );
    }
  }
  return lines.join("\n");
}

/** CPU µs per decided command by process group, and the share of the machine's 2 cores busy. */
function cpuTable(rows: Row[]): string {
  const lines = [
    `| scenario | server | round | ${CPU_GROUPS.join(" | ")} | machine busy |`,
    `| --- | --- | ---: | ${CPU_GROUPS.map(() => "---:").join(" | ")} | ---: |`,
  ];
  for (const row of rows) {
    if (!row.cpu) continue;
    const n = Math.max(1, decided(row.result));
    const cells = CPU_GROUPS.map((g) => Math.round(((row.cpu![g] ?? 0) * 1e6) / n).toLocaleString("en"));
    const busy = (100 * (row.cpu.machine ?? 0)) / (row.result.seconds * cpus().length);
    lines.push(
      `| ${row.scenario} | ${row.server} | ${row.round} | ${cells.join(" | ")} | ${busy.toFixed(0)} % |`,
    );
  }
  return lines.join("\n");
}

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-booking-bench-"));
chmodSync(dataDir, 0o755);
const profileDir = join(dataDir, "profiles");
let stack: Stack | undefined;
const children: ManagedProcess[] = [];
const loadBefore = loadavg();
const wrk = wrkBinary();
try {
  const redisPort = await freePort();
  const postgresPort = await freePort();
  stack = await startStack({
    dataDir,
    redisPort,
    postgresPort,
    database: "parkealo_bench",
    ephemeral: true,
  });
  await migrate(stack.databaseUrl);
  const jwtSecret = randomBytes(32).toString("hex");
  const config = loadConfig({
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: jwtSecret,
  });
  const resolutions = { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION };
  const pool = createPool(stack.databaseUrl, 4);

  // Each server gets its own spaces for each scenario: one ledger, no shared slots.
  const seedStarted = performance.now();
  const hostId = await insertUser(pool, "bench-host");
  const spaces = new Map<string, string[]>();
  for (const server of ["ours", "naive"] as const) {
    for (const s of scenarios)
      spaces.set(`${server}:${s.key}`, await seedSpaces(pool, hostId, s.spaces, s.where, resolutions));
  }
  const drivers = await seedDrivers(pool, DRIVERS);
  const placement = await Promise.all(
    scenarios
      .filter((x) => ONLY.includes(x.key))
      .map(
        async (x) =>
          `${x.name}: ${x.where === "venue" ? "around one venue" : "spread over Iberia"}, ` +
          `${await shardsOf(pool, spaces.get(`ours:${x.key}`)!, config.ACTOR_SHARD_COUNT)} shard(s)`,
      ),
  );
  const tokens = new AccessTokens(jwtSecret, 3_600);
  const tokensFile = join(dataDir, "tokens.txt");
  writeFileSync(
    tokensFile,
    `${(await Promise.all(drivers.map((id) => tokens.sign({ userId: id, roles: ["driver"] })))).join("\n")}\n`,
  );
  await analyzeSeededTables(pool);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(
    `[bench] seeded ${2 * (UNIFORM_SPACES + 11)} spaces and ${DRIVERS} drivers in ${seedSeconds.toFixed(1)} s`,
  );

  // The real system as devstack/start.ts runs it (gateway + shard workers), and the naive server.
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const env = {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: jwtSecret,
    ACCESS_TOKEN_TTL_SECONDS: "3600",
    HTTP_HOST: "127.0.0.1",
    OBJECT_STORAGE_DIR: join(dataDir, "objects"),
  };
  const [gatewayPort, naivePort] = [await freePort(), await freePort()];
  // ours: the system under test (profiled, given BOOKING_BENCH_NODE_FLAGS); the naive server is not.
  const specs = [
    {
      name: "gateway",
      file: "workers/gateway.ts",
      env: { HTTP_PORT: String(gatewayPort), PUBLIC_URL: `http://127.0.0.1:${gatewayPort}` },
      health: gatewayPort,
      ours: true,
    },
    ...(await Promise.all(
      Array.from({ length: SHARD_WORKERS }, async (_, i) => {
        const health = await freePort();
        return {
          name: `shard-worker-${i + 1}`,
          file: "workers/shard-worker.ts",
          env: { WORKER_ID: `bench-worker-${i + 1}`, HEALTH_PORT: String(health) },
          health,
          ours: true,
        };
      }),
    )),
    {
      name: "naive",
      file: "loadtest/naive-booking-server.ts",
      env: { HTTP_PORT: String(naivePort) },
      health: naivePort,
      ours: false,
    },
  ];
  for (const spec of specs) {
    // One folder per process: a process under tsx has a second thread (its module loader) whose
    // profile would otherwise overwrite the main thread's; the main thread's is the larger file.
    const profiling =
      PROFILE && spec.ours ? ["--cpu-prof", `--cpu-prof-dir=${join(profileDir, spec.name)}`] : [];
    children.push(
      startProcess(
        spec.name,
        process.execPath,
        [...profiling, ...(spec.ours ? NODE_FLAGS : []), "--import", "tsx", spec.file],
        {
          cwd: root,
          env: { ...env, ...spec.env },
          logFile: join(dataDir, `${spec.name}.log`),
        },
      ),
    );
  }
  await Promise.all(
    specs.map((spec, i) =>
      waitUntil(
        spec.name,
        async () => (await fetch(`http://127.0.0.1:${spec.health}/healthz`)).ok,
        90_000,
        children[i]!.exited,
      ),
    ),
  );
  // Every shard leased before measuring.
  await waitUntil(
    "shard leases",
    async () => {
      const owned = await Promise.all(
        specs
          .filter((s) => s.name.startsWith("shard-worker"))
          .map(
            async (s) =>
              (
                (await (await fetch(`http://127.0.0.1:${s.health}/healthz`)).json()) as {
                  ownedShards: unknown[];
                }
              ).ownedShards.length,
          ),
      );
      return owned.reduce((a, b) => a + b, 0) === config.ACTOR_SHARD_COUNT;
    },
    60_000,
  );

  const base = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  const urls: Record<ServerName, string> = {
    ours: `http://127.0.0.1:${gatewayPort}`,
    naive: `http://127.0.0.1:${naivePort}`,
  };
  const run = (server: ServerName, key: string, seconds: number) => {
    const spaceIds = spaces.get(`${server}:${key}`)!;
    const spacesFile = join(dataDir, `spaces-${server}-${key}.txt`);
    writeFileSync(spacesFile, `${spaceIds.join("\n")}\n`);
    const load = {
      url: urls[server],
      spacesFile,
      tokensFile,
      baseSeconds: base / 1000,
      slots: SLOTS,
      seconds,
      connections: CONNECTIONS,
    };
    return wrk
      ? wrkLoad(wrk, { ...load, threads: WRK_THREADS, script: join(root, "loadtest/wrk/booking.lua") })
      : nodeLoad(load);
  };

  // CPU accounting by process group (Linux /proc): each group's process trees.
  const pidOf = (name: string) => children.find((c) => c.name === name)?.child.pid;
  const groups: Record<string, number[]> = {
    gateway: [pidOf("gateway")].filter((p) => p !== undefined),
    workers: children.filter((c) => c.name.startsWith("shard-worker")).flatMap((c) => c.child.pid ?? []),
    naive: [pidOf("naive")].filter((p) => p !== undefined),
    redis: findPids(`127.0.0.1:${redisPort}`),
    postgres: findPids(`port=${postgresPort} `),
    self: [process.pid],
  };
  const cpuNow = () => {
    const machine = machineSeconds();
    return machine === undefined ? undefined : { ...groupSeconds(groups), machine };
  };
  const cpuSpent = (
    before: Record<string, number> | undefined,
    after: Record<string, number> | undefined,
  ) => {
    if (!before || !after) return undefined;
    const d = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    const ours = ["gateway", "workers", "naive", "redis", "postgres"];
    // The bench's own tree holds every process it started (and wrk); what is left is wrk and us.
    const wrkAndBench = d("self") - ours.reduce((sum, k) => sum + d(k), 0);
    const spent: Record<string, number> = { "wrk+bench": wrkAndBench, machine: d("machine") };
    for (const k of ours) spent[k] = d(k);
    spent.rest = d("machine") - d("self");
    return spent;
  };

  // The shard workers' counters (their /healthz): commands, fenced commits, mailbox reads.
  const workerHealth = specs
    .filter((spec) => spec.name.startsWith("shard-worker"))
    .map((spec) => spec.health);
  const workCounters = async () => {
    const sum: Record<string, number> = {};
    for (const port of workerHealth) {
      const { stats } = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
        stats: Record<string, number>;
      };
      for (const [k, v] of Object.entries(stats)) sum[k] = (sum[k] ?? 0) + v;
    }
    return sum;
  };

  const redisStats = new Redis(stack.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });

  const rows: Row[] = [];
  const turns = scenarios
    .filter((x) => ONLY.includes(x.key))
    .flatMap((s) =>
      Array.from({ length: ROUNDS }, (_, i) => i + 1).flatMap((round) =>
        (["ours", "naive"] as const).map((server) => ({ s, round, server })),
      ),
    );
  for (const { s, round, server } of turns) {
    if (WARMUP_SECONDS > 0) await run(server, s.key, WARMUP_SECONDS);
    const workBefore = server === "ours" ? await workCounters() : undefined;
    const redisBefore = server === "ours" ? await redisCommandStats(redisStats) : undefined;
    const cpuBefore = cpuNow();
    const result = await run(server, s.key, SECONDS);
    const cpu = cpuSpent(cpuBefore, cpuNow());
    const workAfter = workBefore ? await workCounters() : undefined;
    const redisAfter = redisBefore ? await redisCommandStats(redisStats) : undefined;
    const redisCommands =
      redisBefore && redisAfter
        ? Object.fromEntries(
            Object.entries(redisAfter).map(([k, v]) => [
              k,
              { calls: v.calls - (redisBefore[k]?.calls ?? 0), usec: v.usec - (redisBefore[k]?.usec ?? 0) },
            ]),
          )
        : undefined;
    const work =
      workBefore && workAfter
        ? Object.fromEntries(Object.entries(workAfter).map(([k, v]) => [k, v - (workBefore[k] ?? 0)]))
        : undefined;
    const overlaps = await overlapping(pool, spaces.get(`${server}:${s.key}`)!);
    rows.push({
      scenario: s.name,
      server,
      round,
      result,
      overlaps,
      load: loadavg()[0]!,
      cpu,
      work,
      redisCommands,
    });
    console.log(
      `[bench] ${s.name}, round ${round}, ${server}: ${Math.round(perSecond(result))} decided/s, p99 ${result.p99Ms.toFixed(1)} ms, ${overlaps} overlaps`,
    );
  }
  await pool.end();
  redisStats.disconnect();

  const loadAfter = loadavg();
  const command = `npm run bench:bookings  (node --import tsx loadtest/booking-bench.ts)`;
  const settings = `BOOKING_BENCH_SECONDS=${SECONDS} BOOKING_BENCH_CONNECTIONS=${CONNECTIONS} BOOKING_BENCH_THREADS=${WRK_THREADS} BOOKING_BENCH_WORKERS=${SHARD_WORKERS} BOOKING_BENCH_ROUNDS=${ROUNDS}`;
  console.log(`\ncommand: ${command}\nsettings: ${settings}`);
  console.log(
    `generator: ${wrk ? `${wrk} -t${WRK_THREADS} -c${CONNECTIONS} -d${SECONDS}s -s loadtest/wrk/booking.lua` : "Node fetch client (wrk not available)"}; ` +
      `${WARMUP_SECONDS} s warm-up per row, not counted; random space of the scenario, random 1–3 h window on whole hours in the week from ${new Date(base).toISOString()}, random one of ${DRIVERS} drivers' tokens`,
  );
  console.log(
    `system: 1 gateway process + ${SHARD_WORKERS} shard-worker processes (${config.ACTOR_SHARD_COUNT} shards); naive: 1 Hono process, pool ${config.DATABASE_POOL_SIZE}; decided = 201 + 409`,
  );
  console.log(`spaces: ${placement.join("; ")}`);
  console.log(
    `machine: ${cpus().length} cores; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ` +
      `${loadAfter.map((l) => l.toFixed(2)).join(" ")} after (generator, servers, Redis and PostgreSQL share the machine)\n`,
  );
  console.log(
    `Median over ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} (ours and naive take turns each round), range in brackets; vs naive compares the medians:\n`,
  );
  console.log(summaryTable(rows));
  console.log("\nEvery run:\n");
  console.log(table(rows));
  if (rows.some((r) => r.cpu)) {
    console.log(
      "\nCPU per decided command, µs, by process group during each measured run (Linux /proc; redis and" +
        " postgres include every backend; wrk+bench: the generator and this script; rest: the machine's" +
        " other busy time, other jobs included):\n",
    );
    console.log(cpuTable(rows));
  }
  for (const row of rows.filter((r) => r.work)) {
    const w = row.work!;
    const per = (a: number, b: number) => (b > 0 ? (a / b).toFixed(1) : "-");
    console.log(
      `\n${row.scenario}, round ${row.round}, shard workers: ${w.commandsProcessed} commands, ${w.batchesCommitted} batches ` +
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
      console.log(`  Redis time inside commands, per decided command: ${top.join("; ")}`);
    }
  }
} finally {
  await Promise.all(children.map((child) => child.stop("SIGINT")));
  await stack?.stop();
  // The database goes either way; with BOOKING_BENCH_PROFILE=1 the profiles (and logs) stay, and
  // with BOOKING_BENCH_NODE_FLAGS the logs.
  if (stack) rmSync(stack.postgresDir, { recursive: true, force: true });
  if (PROFILE) console.log(`\nCPU profiles kept in ${profileDir}`);
  if (KEEP_DATA_DIR) console.log(`\nProcess logs kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
