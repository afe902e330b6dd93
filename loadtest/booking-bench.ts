// Booking benchmark (issue 4): decided bookings/s and p50/p99 through REST as a careful client
// books, with a fresh Idempotency-Key on every request, for (a) uniform load over 10,000 spaces,
// (b) a flash crowd on 10 spaces, (c) one hot space and (d) a busy garage where most requests win
// (empty, and holding 5,000 future bookings), for each peer (loadtest/booking-peers.ts): the real
// system as `npm start` runs it (a gateway and two shard workers deciding through the space actors)
// and a naive Hono + PostgreSQL server (loadtest/naive-booking-server.ts) in the same run, on a
// private Redis + PostgreSQL; and (c) again with payments on (c-paid: ours only, a second stack with
// the local Stripe-compatible server, its runs next to ours' (c) runs in each round, while a Node
// loop pays each booking won: booking-paying-loop.ts). The generator is wrk with
// loadtest/wrk/booking.lua. Each scenario runs
// in rounds; in each round every peer gets a warm-up, a run as fast as answers come, a paced run at
// half that rate (its p99 is the latency figure) and, for ours, a run without keys. Every run books
// fresh windows, so each has wins and refusals. After each run, SQL checks that no slot-holding
// bookings overlap. The summary gives each row's median and range over the rounds: this machine's
// speed drifts by a quarter from second to second, so one run per row says little. Prints markdown
// tables, the command and the load average.
//   npm run bench:bookings
//   BOOKING_BENCH_SECONDS=3 BOOKING_BENCH_ROUNDS=1 BOOKING_BENCH_WARMUP_SECONDS=1 npm run bench:bookings
//   BOOKING_BENCH_SCENARIOS=c,c-paid npm run bench:bookings   (the hot space with payments off and on)
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { shardOfShardCell } from "../actors/runtime/index.ts";
import { onboardOnLocalServer } from "../devstack/demo-payments.ts";
import { seededRandom } from "../devstack/seeded-random.ts";
import { freePort, type Stack, startStack } from "../devstack/stack.ts";
import { wrkBinary } from "../devstack/system-packages.ts";
import { AccessTokens } from "../src/auth/access-tokens.ts";
import { loadConfig } from "../src/config/index.ts";
import { HostPaymentAccounts } from "../src/payments/host-accounts.ts";
import { createStripeClient } from "../src/payments/stripe-client.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool, type Pool } from "../src/storage/postgres.ts";
import { insertBookings, insertSpaces, insertUser, spaceSeed } from "../test/support/search-fixtures.ts";
import { benchServerEnv } from "./bench-server-env.ts";
import {
  cpuTable,
  type LoadKind,
  type PaymentsPair,
  payingLines,
  paymentsTable,
  type Row,
  requestsPerSecond,
  runsTable,
  summaryTable,
  workLines,
} from "./booking-bench-report.ts";
import { type Windows, wrkCommand, wrkLoad } from "./booking-load-wrk.ts";
import { type PayingLoop, startPayingLoop } from "./booking-paying-loop.ts";
import { naivePeer, oursPeer, type Peer, type RunningPeer, restatePeer } from "./booking-peers.ts";
import {
  enableStatements,
  formatStatements,
  PG_STATEMENTS_SETTINGS,
  resetStatements,
  topStatements,
} from "./pg-statements.ts";
import { descendsFrom, findPids, groupSeconds, machineSeconds } from "./process-cpu.ts";
import { analyzeSeededTables } from "./seeded-statistics.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SECONDS = num("BOOKING_BENCH_SECONDS", 10);
/** Rounds per scenario; in each, every peer takes its turn. */
const ROUNDS = num("BOOKING_BENCH_ROUNDS", 3);
/** A warm-up per peer and round, not counted (its own fresh windows). */
const WARMUP_SECONDS = num("BOOKING_BENCH_WARMUP_SECONDS", 3);
const CONNECTIONS = num("BOOKING_BENCH_CONNECTIONS", 64);
const WRK_THREADS = num("BOOKING_BENCH_THREADS", 1);
/** Shard workers, as `npm start` runs them (BOOKING_BENCH_WORKERS=1 for one-worker figures). */
const SHARD_WORKERS = num("BOOKING_BENCH_WORKERS", 2);
const DRIVERS = num("BOOKING_BENCH_DRIVERS", 1_000);
const UNIFORM_SPACES = num("BOOKING_BENCH_SPACES", 10_000);
/** The paced run's offered rate, as a share of the same round's unpaced requests/s. */
const PACED_SHARE = num("BOOKING_BENCH_PACED_SHARE", 0.5);
/** Future bookings the held busy garage starts with. */
const GARAGE_HELD = num("BOOKING_BENCH_GARAGE_HELD", 5_000);
const PROFILE = process.env.BOOKING_BENCH_PROFILE === "1";
/** Book one slot on each of a run's own spaces before it (see `prime`); BOOKING_BENCH_PRIME=0: don't. */
const PRIME = process.env.BOOKING_BENCH_PRIME !== "0";
/** Print PostgreSQL's costliest statements per request after each measured run (pg_stat_statements). */
const PG_STATEMENTS = process.env.BOOKING_BENCH_PG_STATEMENTS === "1";
/** Extra node flags for the gateway and shard workers (e.g. "--trace-gc"); their logs are kept. */
const NODE_FLAGS = (process.env.BOOKING_BENCH_NODE_FLAGS ?? "").split(" ").filter((f) => f !== "");
/** The run's folder (processes' logs, profiles) stays when profiling or given node flags. */
const KEEP_DATA_DIR = PROFILE || NODE_FLAGS.length > 0;
/**
 * Which scenarios to run (a, b, c, c-paid, d), e.g. BOOKING_BENCH_SCENARIOS=c,c-paid; all by
 * default. c-paid is (c) with payments on (ours only).
 */
const ONLY = (process.env.BOOKING_BENCH_SCENARIOS ?? "a,b,c,c-paid,d").split(",");
/**
 * Payments the paying loop has in flight at once (0: none paid, the bookings wait and expire), and
 * how often it looks for bookings to pay.
 */
const PAYING_CONCURRENCY = num("BOOKING_BENCH_PAYING_CONCURRENCY", 8);
const PAYING_POLL_MS = 50;
/** After a storm, how long the paying loop may take to pay what is left. */
const PAYING_DRAIN_MS = 15_000;
/**
 * Where the flash crowd's spaces are: "venue", within about 400 m of a stadium, as the spaces a
 * crowd goes for are (so in one shard cell); "spread", over Iberia like (a)'s (before 2026-12-04).
 */
const FLASH = process.env.BOOKING_BENCH_FLASH === "spread" ? "spread" : "venue";

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-booking-bench-"));
chmodSync(dataDir, 0o755);
const profileDir = join(dataDir, "profiles");

/**
 * The peers, in the order they take their turns. Another server of POST /api/v1/bookings joins
 * with one line, e.g. Restate (loadtest/restate-peer/, built separately):
 *   import { startRestatePeer } from "./restate-peer/index.ts";
 *   externalPeer("restate", startRestatePeer),
 * BOOKING_BENCH_PEERS=ours,restate picks some of them.
 */
const ALL_PEERS: Peer[] = [
  oursPeer({ workers: SHARD_WORKERS, ...(PROFILE ? { profileDir } : {}), nodeFlags: NODE_FLAGS }),
  naivePeer,
  restatePeer,
];
const PEER_NAMES = (process.env.BOOKING_BENCH_PEERS ?? ALL_PEERS.map((p) => p.name).join(",")).split(",");
const PEERS = ALL_PEERS.filter((p) => PEER_NAMES.includes(p.name));
/** Ours with payments on: the only peer of the scenarios with payments (a second stack of its own). */
const PAID_OURS = oursPeer({
  workers: SHARD_WORKERS,
  ...(PROFILE ? { profileDir } : {}),
  nodeFlags: NODE_FLAGS,
  payments: true,
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** (a)–(c): window starts on whole hours over one week. */
const WEEK_SLOTS = 7 * 24;
/** (d): the held garage's 15-minute slots are every one but each GARAGE_GAP-th, from the first on. */
const GARAGE_GAP = 8;
const SLOT_HOLDING = `('awaiting_payment', 'pending_approval', 'confirmed', 'active')`;

interface Scenario {
  key: string;
  name: string;
  /** Spaces per run. */
  spaces: number;
  where: "spread" | "venue";
  /**
   * What makes each run's windows fresh. "week": the same spaces, the next week (many spaces, each
   * holding a few bookings more per run). "spaces": spaces of its own (few spaces, all the load
   * on them: otherwise their actors would carry every earlier run's bookings, and ours writes a
   * space's whole state to Redis at each commit).
   */
  fresh: "week" | "spaces";
  windows: Windows;
  /** The 15-minute slots (from the first window start) each space holds booked before its run. */
  held: number[];
  /**
   * Ours with payments on (PAID_OURS), its spaces' host onboarded on the local Stripe-compatible
   * server, each booking won paid during the run by the paying loop.
   */
  payments: boolean;
  /**
   * The key of the scenario whose rounds this one shares: in each round its runs come right after
   * ours' runs of that one (a paid scenario beside its unpaid twin).
   */
  beside?: string;
}

/** The held garage's slots: every slot but each `gap`-th from slot 0 on, until `count` are held. */
function garageHeldSlots(count: number, gap: number): number[] {
  const slots: number[] = [];
  for (let i = 0; slots.length < count; i++) if (i % gap !== 0) slots.push(i);
  return slots;
}

const heldSlots = garageHeldSlots(GARAGE_HELD, GARAGE_GAP);
const garage = (name: string, held: number[]): Scenario => ({
  key: "d",
  name,
  spaces: 1,
  where: "spread",
  fresh: "spaces",
  windows: { mode: "garage", heldEnd: held.length === 0 ? 0 : held.at(-1)! + 1, gap: GARAGE_GAP },
  held,
  payments: false,
});
const random = { mode: "random", slots: WEEK_SLOTS } as const;
const ALL_SCENARIOS: Scenario[] = [
  {
    key: "a",
    name: "(a) uniform, 10,000 spaces",
    spaces: UNIFORM_SPACES,
    where: "spread",
    fresh: "week",
    windows: random,
    held: [],
    payments: false,
  },
  {
    key: "b",
    name: "(b) flash crowd, 10 spaces",
    spaces: 10,
    where: FLASH,
    fresh: "spaces",
    windows: random,
    held: [],
    payments: false,
  },
  {
    key: "c",
    name: "(c) one hot space",
    spaces: 1,
    where: "spread",
    fresh: "spaces",
    windows: random,
    held: [],
    payments: false,
  },
  {
    key: "c-paid",
    name: "(c) one hot space, payments on",
    spaces: 1,
    where: "spread",
    fresh: "spaces",
    windows: random,
    held: [],
    payments: true,
    beside: "c",
  },
  garage("(d) busy garage, empty", []),
  garage(`(d) busy garage, ${GARAGE_HELD.toLocaleString("en")} held`, heldSlots),
];
const scenarios = ALL_SCENARIOS.filter((s) => ONLY.includes(s.key));
if (scenarios.some((s) => s.payments) && !PEERS.some((p) => p.name === "ours"))
  throw new Error("the scenarios with payments on run ours: add ours to BOOKING_BENCH_PEERS");
/** Who runs a scenario: ours with payments on, or the chosen peers. */
const peersOf = (s: Scenario): Peer[] => (s.payments ? [PAID_OURS] : PEERS);
/** The peers to start: the chosen ones, and ours with payments on if a scenario needs it. */
const STARTED_PEERS = [...PEERS, ...(scenarios.some((s) => s.payments) ? [PAID_OURS] : [])];
/** Each paid scenario and its unpaid twin, when both run. */
const PAYMENTS_PAIRS: PaymentsPair[] = scenarios.flatMap((s) => {
  const twin = scenarios.find((o) => o.key === s.beside);
  return s.payments && twin ? [{ off: twin.name, on: s.name }] : [];
});

/** Estadio Santiago Bernabéu, Madrid. */
const VENUE = { lat: 40.4531, lng: -3.6883 };
const seeded = seededRandom(20261125);

/**
 * Spaces open around the clock, spread over Iberia (so over many H3 shard cells and every shard) or
 * around the venue (±0.0036° lat, ±0.0048° lng: about 400 m each way). The garage takes 15-minute
 * stays; the others at least 30 minutes.
 */
async function seedSpaces(
  pool: Pool,
  hostId: string,
  count: number,
  scenario: Scenario,
  resolutions: { map: number; shard: number },
) {
  const minDurationMinutes = scenario.windows.mode === "garage" ? 15 : 30;
  const seeds = Array.from({ length: count }, () =>
    scenario.where === "venue"
      ? spaceSeed(hostId, VENUE.lat + (seeded() - 0.5) * 0.0072, VENUE.lng + (seeded() - 0.5) * 0.0096, {
          minDurationMinutes,
        })
      : spaceSeed(hostId, 37 + seeded() * 6, -8.5 + seeded() * 11, { minDurationMinutes }),
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

/** INFO commandstats as calls and µs by command name. */
async function redisCommandStats(redis: Redis): Promise<Record<string, { calls: number; usec: number }>> {
  const text = await redis.info("commandstats");
  const out: Record<string, { calls: number; usec: number }> = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    out[match[1]!] = { calls: Number(match[2]), usec: Number(match[3]) };
  }
  return out;
}

const diff = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));

/** A run without keys too: ours, with payments off (the paid rows compare with keys on). */
const keylessRun = (peer: Peer, s: Scenario) => peer.keyless && !s.payments;
/** Runs per peer and round: the warm-up, max and paced with keys, and max without keys if asked. */
const runsPerRound = (peer: Peer, s: Scenario) =>
  (WARMUP_SECONDS > 0 ? 1 : 0) + 2 + (keylessRun(peer, s) ? 1 : 0);

let stack: Stack | undefined;
const started: RunningPeer[] = [];
const loadBefore = loadavg();
try {
  const wrk = wrkBinary();
  if (!wrk)
    throw new Error("the booking benchmark needs wrk: apt-get install wrk (as root it installs itself)");
  const redisPort = await freePort();
  const postgresPort = await freePort();
  stack = await startStack({
    dataDir,
    redisPort,
    postgresPort,
    database: "parkealo_bench",
    ephemeral: true,
    ...(PG_STATEMENTS ? { postgresSettings: PG_STATEMENTS_SETTINGS } : {}),
  });
  await migrate(stack.databaseUrl);
  const jwtSecret = randomBytes(32).toString("hex");
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: jwtSecret,
  });
  const resolutions = { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION };
  const pool = createPool(stack.databaseUrl, 4);
  if (PG_STATEMENTS) await enableStatements(pool);

  // Each peer gets its own spaces for each scenario: one ledger, no shared slots. Everything is
  // seeded before the statistics are taken (seeded-statistics.ts), the garages' held bookings too.
  const seedStarted = performance.now();
  const hostId = await insertUser(pool, "bench-host");
  /** The paid scenarios' host, onboarded on the local Stripe-compatible server once it runs. */
  const paidHostId = await insertUser(pool, "bench-paid-host");
  const drivers = await seedDrivers(pool, DRIVERS);
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  /** Per peer and scenario, the spaces of each run in turn (one set, every run, when fresh by week). */
  const spaceSets = new Map<string, string[][]>();
  let spacesSeeded = 0;
  let bookingsSeeded = 0;
  for (const s of scenarios) {
    for (const peer of peersOf(s)) {
      const sets = s.fresh === "week" ? 1 : ROUNDS * runsPerRound(peer, s);
      const ids = await seedSpaces(pool, s.payments ? paidHostId : hostId, sets * s.spaces, s, resolutions);
      spaceSets.set(
        `${peer.name}:${s.name}`,
        Array.from({ length: sets }, (_, i) => ids.slice(i * s.spaces, (i + 1) * s.spaces)),
      );
      spacesSeeded += ids.length;
      for (const spaceId of s.held.length > 0 ? ids : []) {
        await insertBookings(
          pool,
          s.held.map((slot, i) => ({
            spaceId,
            driverId: drivers[i % drivers.length]!,
            status: "confirmed",
            start: base + slot * 15 * 60_000,
            end: base + (slot + 1) * 15 * 60_000,
          })),
        );
        bookingsSeeded += s.held.length;
      }
    }
  }
  const placement = await Promise.all(
    scenarios.map(
      async (s) =>
        `${s.name}: ${s.where === "venue" ? "around one venue" : "spread over Iberia"}, ` +
        `${await shardsOf(pool, spaceSets.get(`${peersOf(s)[0]!.name}:${s.name}`)![0]!, config.ACTOR_SHARD_COUNT)} shard(s)`,
    ),
  );
  const tokens = new AccessTokens(jwtSecret, 3_600);
  const tokensFile = join(dataDir, "tokens.txt");
  const driverTokens = await Promise.all(drivers.map((id) => tokens.sign({ userId: id, roles: ["driver"] })));
  writeFileSync(tokensFile, `${driverTokens.join("\n")}\n`);
  const tokenByDriver = new Map(drivers.map((id, i) => [id, driverTokens[i]!]));
  await analyzeSeededTables(pool);
  console.log(
    `[bench] seeded ${spacesSeeded} spaces, ${bookingsSeeded} held bookings and ${DRIVERS} drivers in ` +
      `${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );

  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const context = {
    root,
    dataDir,
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    jwtSecret,
    shardCount: config.ACTOR_SHARD_COUNT,
    env: {
      ...benchServerEnv(stack, jwtSecret),
      ACCESS_TOKEN_TTL_SECONDS: "3600",
      OBJECT_STORAGE_DIR: join(dataDir, "objects"),
    },
  };
  const starting = await Promise.allSettled(STARTED_PEERS.map((peer) => peer.start(context)));
  started.push(...starting.flatMap((s) => (s.status === "fulfilled" ? [s.value] : [])));
  const failed = starting.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  const running = new Map(STARTED_PEERS.map((peer, i) => [peer, started[i]!]));
  const paidStripe = running.get(PAID_OURS)?.stripe;
  if (paidStripe) {
    const stripe = createStripeClient({
      STRIPE_SECRET_KEY: paidStripe.secretKey,
      STRIPE_API_URL: paidStripe.url,
    });
    const accounts = new HostPaymentAccounts(pool, stripe, running.get(PAID_OURS)!.url);
    await onboardOnLocalServer(accounts, paidHostId, "the paid spaces' host");
  }

  // CPU by process group (Linux /proc): each group's process trees. The bench's own tree holds what
  // it started and wrk; a group outside it (a detached daemon) is added to the total on its own.
  const groups: Record<string, number[]> = {
    ...Object.assign({}, ...started.map((p) => p.cpuGroups)),
    redis: findPids(`127.0.0.1:${redisPort}`),
    postgres: findPids(`port=${postgresPort} `),
  };
  const inside = Object.keys(groups).filter(
    (g) => groups[g]!.length > 0 && groups[g]!.every((pid) => descendsFrom(pid, process.pid)),
  );
  const cpuColumns = [...STARTED_PEERS.flatMap((p) => p.cpuGroups), "redis", "postgres", "wrk+bench"];
  const cpuNow = () => {
    const machine = machineSeconds();
    return machine === undefined
      ? undefined
      : { ...groupSeconds({ ...groups, self: [process.pid] }), machine };
  };
  const cpuSpent = (
    before: Record<string, number> | undefined,
    after: Record<string, number> | undefined,
  ) => {
    if (!before || !after) return undefined;
    const d = diff(before, after);
    const spent: Record<string, number> = { machine: d.machine ?? 0 };
    for (const g of Object.keys(groups)) spent[g] = d[g] ?? 0;
    spent["wrk+bench"] = (d.self ?? 0) - inside.reduce((sum, g) => sum + (d[g] ?? 0), 0);
    spent.total =
      (d.self ?? 0) +
      Object.keys(groups)
        .filter((g) => !inside.includes(g))
        .reduce((sum, g) => sum + (d[g] ?? 0), 0);
    spent.rest = (d.machine ?? 0) - spent.total;
    return spent;
  };
  // INFO commandstats of the Redis each peer uses (ours with payments on has its own).
  const redisClients = new Map<string, Redis>();
  const redisOf = (peer: Peer) => {
    const url = running.get(peer)!.redisUrl ?? stack!.redisUrl;
    let client = redisClients.get(url);
    if (!client) {
      client = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
      redisClients.set(url, client);
    }
    return client;
  };

  // Each run's windows: its own spaces, or (a)'s spaces a week further on than the run before.
  const runsTaken = new Map<string, number>();
  let weeksTaken = 0;
  const nextCalendar = (peer: Peer, s: Scenario) => {
    const key = `${peer.name}:${s.name}`;
    const sets = spaceSets.get(key)!;
    if (s.fresh === "week") {
      weeksTaken += 1;
      return { spaceIds: sets[0]!, base: base + weeksTaken * 8 * DAY };
    }
    const taken = runsTaken.get(key) ?? 0;
    runsTaken.set(key, taken + 1);
    return { spaceIds: sets[taken]!, base };
  };
  /**
   * A run on spaces of its own first books one hour on each, a day before the run's
   * windows, and waits for the answers: the run then measures spaces in use, not their first
   * command (ours: the actor's activation, its read of the space and its bookings from the ledger,
   * and the gateway's routing lookup; naive and Restate: their first read of the space). Not
   * counted; the same for every peer.
   */
  const prime = async (server: RunningPeer, spaceIds: readonly string[], runBase: number) => {
    const start = new Date(runBase - DAY).toISOString();
    const end = new Date(runBase - DAY + HOUR).toISOString();
    await Promise.all(
      spaceIds.map(async (spaceId, i) => {
        const path = server.bookingPath?.replace("{spaceId}", spaceId) ?? "/api/v1/bookings";
        const response = await fetch(`${server.url}${path}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${driverTokens[i % driverTokens.length]}`,
            "idempotency-key": `prime-${runNumber}-${i}`,
          },
          body: JSON.stringify({ spaceId, start, end }),
        });
        await response.arrayBuffer();
      }),
    );
  };
  let runNumber = 0;
  const load = (peer: Peer, s: Scenario, options: { keys: boolean; seconds: number; rate?: number }) => {
    const calendar = nextCalendar(peer, s);
    runNumber += 1;
    const spacesFile = join(dataDir, `spaces-${runNumber}.txt`);
    writeFileSync(spacesFile, `${calendar.spaceIds.join("\n")}\n`);
    const server = running.get(peer)!;
    const primed =
      s.fresh === "spaces" && PRIME ? prime(server, calendar.spaceIds, calendar.base) : undefined;
    let paying: PayingLoop | undefined;
    const result = (primed ?? Promise.resolve())
      .then(() => {
        if (s.payments) {
          paying = startPayingLoop({
            url: server.url,
            pool,
            spaceIds: calendar.spaceIds,
            tokenOf: (driverId) => tokenByDriver.get(driverId)!,
            concurrency: PAYING_CONCURRENCY,
            pollMs: PAYING_POLL_MS,
          });
        }
        return wrkLoad(wrk, {
          url: server.url,
          path: server.bookingPath,
          spacesFile,
          tokensFile,
          baseSeconds: calendar.base / 1000,
          windows: s.windows,
          connections: CONNECTIONS,
          threads: WRK_THREADS,
          ...options,
        });
      })
      .then((r) => {
        paying?.stormOver();
        // A peer whose booking made is not a 201 (Restate's 200) is counted as ours and naive's are.
        const wins = server.winStatus === undefined ? 0 : (r.statuses[server.winStatus] ?? 0);
        if (server.winStatus !== undefined) delete r.statuses[server.winStatus];
        if (wins > 0) r.statuses[201] = (r.statuses[201] ?? 0) + wins;
        return r;
      });
    // With payments on, the bookings still waiting once the storm is over are paid, then counted.
    const payments = result.then(() => paying?.finish(PAYING_DRAIN_MS));
    return { result, payments, spaceIds: calendar.spaceIds };
  };

  const rows: Row[] = [];
  const measure = async (peer: Peer, s: Scenario, round: number, kind: LoadKind, rate?: number) => {
    const counters = running.get(peer)!.counters;
    const redisStats = redisOf(peer);
    const workBefore = counters ? await counters() : undefined;
    const redisBefore = counters ? await redisCommandStats(redisStats) : undefined;
    if (PG_STATEMENTS) await resetStatements(pool);
    const cpuBefore = cpuNow();
    const run = load(peer, s, {
      keys: kind !== "keyless",
      seconds: SECONDS,
      ...(rate === undefined ? {} : { rate }),
    });
    const result = await run.result;
    const cpu = cpuSpent(cpuBefore, cpuNow());
    const workAfter = counters ? await counters() : undefined;
    const redisAfter = redisBefore ? await redisCommandStats(redisStats) : undefined;
    const payments = await run.payments;
    const redisCommands =
      redisBefore && redisAfter
        ? Object.fromEntries(
            Object.entries(redisAfter).map(([k, v]) => [
              k,
              { calls: v.calls - (redisBefore[k]?.calls ?? 0), usec: v.usec - (redisBefore[k]?.usec ?? 0) },
            ]),
          )
        : undefined;
    const row: Row = {
      scenario: s.name,
      peer: peer.name,
      load: kind,
      round,
      rate,
      result,
      overlaps: await overlapping(pool, run.spaceIds),
      loadAverage: loadavg()[0]!,
      cpu,
      work: workBefore && workAfter ? diff(workBefore, workAfter) : undefined,
      redisCommands,
      payments,
    };
    rows.push(row);
    const won = result.statuses[201] ?? 0;
    console.log(
      `[bench] ${s.name}, round ${round}, ${peer.name} ${kind}${rate === undefined ? "" : ` at ${rate}/s`}: ` +
        `${Math.round(requestsPerSecond(result))} requests/s, ${won} won (${((100 * won) / Math.max(1, result.requests)).toFixed(0)} %), ` +
        `p99 ${result.p99Ms.toFixed(1)} ms, ${row.overlaps} overlaps`,
    );
    if (PG_STATEMENTS) {
      const label = `${s.name}, ${peer.name} ${kind}`;
      console.log(formatStatements(label, await topStatements(pool), result.requests));
    }
    return row;
  };

  /** A peer's turn in a round: a warm-up, max, paced, and without keys if asked. */
  const turn = async (peer: Peer, s: Scenario, round: number) => {
    if (WARMUP_SECONDS > 0) {
      const warmUp = load(peer, s, { keys: true, seconds: WARMUP_SECONDS });
      await warmUp.result;
      await warmUp.payments;
    }
    const max = await measure(peer, s, round, "max");
    const rate = Math.max(1, Math.round(PACED_SHARE * requestsPerSecond(max.result)));
    await measure(peer, s, round, "paced", rate);
    if (keylessRun(peer, s)) await measure(peer, s, round, "keyless");
  };
  // A scenario beside another runs in that one's rounds, right after ours' turn in it.
  const leads = scenarios.filter((s) => !scenarios.some((o) => o.key === s.beside));
  for (const s of leads) {
    const besides = scenarios.filter((o) => o !== s && o.beside === s.key);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const peer of peersOf(s)) {
        await turn(peer, s, round);
        if (peer.name !== "ours") continue;
        for (const b of besides) for (const other of peersOf(b)) await turn(other, b, round);
      }
    }
  }
  await pool.end();
  for (const client of redisClients.values()) client.disconnect();

  const loadAfter = loadavg();
  const knobs = Object.entries(process.env)
    .filter(([k]) => k.startsWith("BOOKING_BENCH_"))
    .map(([k, v]) => `${k}=${v} `)
    .join("");
  console.log(`\ncommand: ${knobs}npm run bench:bookings  (node --import tsx loadtest/booking-bench.ts)`);
  console.log(
    `settings: BOOKING_BENCH_SECONDS=${SECONDS} BOOKING_BENCH_ROUNDS=${ROUNDS} BOOKING_BENCH_WARMUP_SECONDS=${WARMUP_SECONDS} ` +
      `BOOKING_BENCH_CONNECTIONS=${CONNECTIONS} BOOKING_BENCH_THREADS=${WRK_THREADS} BOOKING_BENCH_WORKERS=${SHARD_WORKERS} ` +
      `BOOKING_BENCH_PACED_SHARE=${PACED_SHARE} BOOKING_BENCH_GARAGE_HELD=${GARAGE_HELD} BOOKING_BENCH_PEERS=${PEERS.map((p) => p.name).join(",")}`,
  );
  console.log(
    `generator of every figure: ${wrkCommand(wrk, { threads: WRK_THREADS, connections: CONNECTIONS, seconds: SECONDS })} ` +
      "<peer> -- … keys=on|off [rate=<n>]; a fresh Idempotency-Key per request (keys=on) except in the " +
      `"max, no keys" rows; "paced" rows: rate = ${PACED_SHARE} × the same round's "max, keys" requests/s through ` +
      "wrk's delay(), whose latency is service time only (a request's wait for a free connection is not counted); " +
      `${WARMUP_SECONDS} s warm-up per peer and round, not counted; random one of ${DRIVERS} drivers' tokens` +
      (scenarios.some((s) => s.payments)
        ? `; payments on: the paying loop (Node, in this script) pays each booking won, ${PAYING_CONCURRENCY} at a time, ` +
          "POST /api/v1/payments/process with pm_card_visa and an Idempotency-Key, while wrk runs and after"
        : ""),
  );
  console.log(
    `windows: (a)–(c) a random space of the run's, a random 1–3 h window on whole hours in a week from ${new Date(base).toISOString()} ` +
      "((a): each run a week further on; (b), (c): each run its own fresh spaces); (d) each run a fresh garage, " +
      `15-minute slots from ${new Date(base).toISOString()} in order per wrk thread, skipping the held ones ` +
      `(${GARAGE_HELD.toLocaleString("en")} held: ${GARAGE_GAP - 1} of every ${GARAGE_GAP} slots over the first ` +
      `${((heldSlots.at(-1) ?? 0) / 96).toFixed(1)} days; after those, every slot)`,
  );
  console.log(
    `ours: 1 gateway process + ${SHARD_WORKERS} shard-worker processes (${config.ACTOR_SHARD_COUNT} shards); naive: 1 Hono process, ` +
      `pool ${config.DATABASE_POOL_SIZE}; decided = 201 + 409`,
  );
  console.log(`spaces: ${placement.join("; ")}`);
  console.log(
    `machine: ${cpus().length} cores; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ` +
      `${loadAfter.map((l) => l.toFixed(2)).join(" ")} after (generator, servers, Redis and PostgreSQL share the machine)\n`,
  );
  console.log(
    `Median over ${ROUNDS} round${ROUNDS === 1 ? "" : "s"} (the peers take turns each round), range in brackets; ` +
      '"vs naive" divides the "max, keys" medians of decided/s; the latency figure is the "paced" row\'s p99:\n',
  );
  console.log(summaryTable(rows));
  if (PAYMENTS_PAIRS.length > 0) {
    console.log(
      "\nPayments on against off (ours; the runs of a round next to each other; wrk's figures, and the " +
        "paying loop's payments, Node in this script, per run: paid while wrk ran, after it, their latency):\n",
    );
    console.log(paymentsTable(rows, PAYMENTS_PAIRS));
  }
  console.log("\nEvery run:\n");
  console.log(runsTable(rows));
  if (rows.some((r) => r.cpu)) {
    const outside = Object.keys(groups).filter((g) => !inside.includes(g));
    console.log(
      "\nCPU per decided booking, µs, by process group during each measured run (Linux /proc; redis and" +
        " postgres include every backend; wrk+bench: the generator and this script; all processes: every" +
        " one above; machine busy also counts the machine's other jobs" +
        `${outside.length > 0 ? `; outside the bench's process tree, added on their own: ${outside.join(", ")}` : ""}):\n`,
    );
    console.log(cpuTable(rows, cpuColumns, cpus().length));
  }
  const work = workLines(rows);
  if (work.length > 0) console.log(`\n${work.join("\n")}`);
  const paying = payingLines(rows);
  if (paying.length > 0) console.log(`\nThe paying loop, per run:\n${paying.join("\n")}`);
} finally {
  await Promise.all(started.map((peer) => peer.stop()));
  await stack?.stop();
  // The database goes either way; with BOOKING_BENCH_PROFILE=1 the profiles (and logs) stay, and
  // with BOOKING_BENCH_NODE_FLAGS the logs.
  if (stack) rmSync(stack.postgresDir, { recursive: true, force: true });
  if (PROFILE) console.log(`\nCPU profiles kept in ${profileDir}`);
  if (KEEP_DATA_DIR) console.log(`\nProcess logs kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
}
