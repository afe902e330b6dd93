// Search latency benchmark: a private Redis + PostgreSQL in a temp folder, 100,000 spaces seeded
// over Madrid with realistic schedules, prices and bookings, then p50/p99 of a 2 km / 2-hour search
// (in-process and over HTTP) next to a baseline measured in the same run: a plain SQL
// bounding-box query and a per-row availability check in JS.
//   npm run bench:search            (SEARCH_BENCH_SPACES=20000 npm run bench:search for a quick run)
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DateTime } from "luxon";
import type { QueryConfig } from "pg";
import { type ManagedProcess, startProcess, waitUntil } from "../devstack/managed-process.ts";
import { seededRandom } from "../devstack/seeded-random.ts";
import { freePort, type Stack, startStack } from "../devstack/stack.ts";
import { wrkBinary } from "../devstack/system-packages.ts";
import { loadConfig } from "../src/config/index.ts";
import { checkWindow, type DateException, priceWindow, type WeeklyHours } from "../src/domain/index.ts";
import { SLOT_HOLDING_STATUSES } from "../src/domain/space-listing.ts";
import { boxAround, haversineMeters } from "../src/geo/distance.ts";
import { type SearchRequest, toSearchRequest } from "../src/search/search-request.ts";
import { SpaceSearch } from "../src/search/search-service.ts";
import { migrate } from "../src/storage/migrate.ts";
import { createPool, type Pool } from "../src/storage/postgres.ts";
import {
  type BookingSeed,
  insertBookings,
  insertSpaces,
  insertUser,
  type SpaceSeed,
} from "../test/support/search-fixtures.ts";
import { benchServerEnv } from "./bench-server-env.ts";
import { searchLoad } from "./search-load.ts";

const SPACES = Number(process.env.SEARCH_BENCH_SPACES ?? 100_000);
const QUERIES = Number(process.env.SEARCH_BENCH_QUERIES ?? 1_000);
/** The baseline takes about a second a query on 100,000 spaces: a few dozen give its percentiles. */
const BASELINE_QUERIES = Number(process.env.SEARCH_BENCH_BASELINE_QUERIES ?? 40);
/** First pages (each sort) compared with the baseline's. */
const COMPARED = Math.min(Number(process.env.SEARCH_BENCH_COMPARED ?? 20), QUERIES);
const WARMUP = 40;
/** SEARCH_BENCH_PROFILE=1: the gateway process runs with --cpu-prof (the folder is kept and printed). */
const PROFILE = process.env.SEARCH_BENCH_PROFILE === "1";
const RADIUS_M = 2_000;
const WINDOW_MINUTES = 120;
const ZONE = "Europe/Madrid";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const prng = seededRandom;
const random = prng(20261125);
const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

// Madrid's districts: centre, spread (km) and share of the listings; the rest spread over 15 km.
const districts = [
  { lat: 40.4169, lng: -3.7035, km: 1.2, weight: 6 }, // Centro
  { lat: 40.4297, lng: -3.6794, km: 1.5, weight: 6 }, // Salamanca
  { lat: 40.4362, lng: -3.7038, km: 1.4, weight: 5 }, // Chamberí
  { lat: 40.4113, lng: -3.6765, km: 1.6, weight: 4 }, // Retiro
  { lat: 40.4588, lng: -3.6766, km: 2.0, weight: 4 }, // Chamartín
  { lat: 40.3983, lng: -3.6963, km: 1.8, weight: 4 }, // Arganzuela
  { lat: 40.4351, lng: -3.7195, km: 1.8, weight: 3 }, // Moncloa
  { lat: 40.4605, lng: -3.6998, km: 1.6, weight: 3 }, // Tetuán
  { lat: 40.3838, lng: -3.7066, km: 1.8, weight: 3 }, // Usera
  { lat: 40.3907, lng: -3.6696, km: 2.0, weight: 3 }, // Puente de Vallecas
  { lat: 40.4477, lng: -3.6504, km: 2.2, weight: 3 }, // Ciudad Lineal
  { lat: 40.3827, lng: -3.7278, km: 2.2, weight: 3 }, // Carabanchel
  { lat: 40.4027, lng: -3.7413, km: 2.0, weight: 3 }, // Latina
  { lat: 40.4757, lng: -3.6413, km: 2.4, weight: 2 }, // Hortaleza
  { lat: 40.4722, lng: -3.5805, km: 2.0, weight: 1 }, // Barajas
  { lat: 40.4168, lng: -3.7038, km: 15, weight: 8 }, // the metropolitan area
];
const weighted = districts.flatMap((d) => Array.from({ length: d.weight }, () => d));

const days = (list: number[], start: number, end: number): WeeklyHours[] =>
  list.map((dayOfWeek) => ({ dayOfWeek, startMinute: start, endMinute: end }));
const everyDay = [0, 1, 2, 3, 4, 5, 6];
const weekdays = [1, 2, 3, 4, 5];
const kinds = [
  {
    type: "underground",
    size: "standard",
    title: "Underground garage",
    hourly: [250, 450],
    hours: () => days(everyDay, 0, 1440),
  },
  {
    type: "garage",
    size: "standard",
    title: "Private garage",
    hourly: [200, 380],
    hours: () => days(everyDay, 360, 1380),
  },
  {
    type: "driveway",
    size: "compact",
    title: "Driveway",
    hourly: [150, 260],
    hours: () => days(weekdays, 420, 1260),
  },
  {
    type: "lot",
    size: "large",
    title: "Office car park, nights and weekends",
    hourly: [120, 220],
    hours: () => [...days(weekdays, 1200, 1920), ...days([0, 6], 0, 1440)],
  },
  {
    type: "covered",
    size: "standard",
    title: "Covered space",
    hourly: [180, 320],
    hours: () => days(everyDay, 480, 1320),
  },
  {
    type: "street",
    size: "motorcycle",
    title: "Motorcycle bay",
    hourly: [60, 120],
    hours: () => days(everyDay, 0, 1440),
  },
  // Shift worker's space: mornings and evenings, closed at midday.
  {
    type: "driveway",
    size: "standard",
    title: "Driveway, split hours",
    hourly: [100, 200],
    hours: () => [...days(everyDay, 360, 720), ...days(everyDay, 1020, 1440)],
  },
] as const;
const amenityPool = [
  "ev_charging",
  "covered",
  "security_camera",
  "lit",
  "gated",
  "wheelchair_accessible",
  "24h_access",
];
const streets = [
  "Calle de Alcalá",
  "Gran Vía",
  "Calle de Serrano",
  "Paseo de la Castellana",
  "Calle de Goya",
  "Calle Mayor",
];

function randomPoint() {
  const d = pick(weighted);
  const r = d.km * Math.sqrt(random());
  const angle = random() * 2 * Math.PI;
  return {
    lat: d.lat + (r * Math.cos(angle)) / 111.32,
    lng: d.lng + (r * Math.sin(angle)) / (111.32 * Math.cos((d.lat * Math.PI) / 180)),
  };
}

function randomSpace(hostId: string, today: DateTime): SpaceSeed {
  const kind = pick(kinds);
  const { lat, lng } = randomPoint();
  const hourly = between(kind.hourly[0] / 10, kind.hourly[1] / 10) * 10;
  const exceptions: DateException[] = [];
  if (random() < 0.1) {
    exceptions.push({ localDate: today.plus({ days: between(0, 6) }).toISODate()!, kind: "closed" });
  }
  return {
    hostId,
    title: `${kind.title} ${between(1, 999)}`,
    addressLine1: `${pick(streets)}, ${between(1, 180)}`,
    city: "Madrid",
    postalCode: "28013",
    country: "ES",
    lat,
    lng,
    timezone: ZONE,
    spaceType: kind.type,
    spaceSize: kind.size,
    bookingMode: random() < 0.7 ? "instant" : "request",
    currency: "EUR",
    hourly,
    daily: hourly * between(6, 9),
    monthly: random() < 0.5 ? hourly * between(90, 140) : null,
    bufferMinutes: pick([0, 0, 10, 15]),
    minNoticeMinutes: pick([0, 15, 30, 60]),
    minDurationMinutes: pick([30, 30, 60]),
    maxDurationMinutes: random() < 0.2 ? 1440 : null,
    status: random() < 0.03 ? "inactive" : "active",
    weeklyHours: kind.hours(),
    exceptions,
    amenities: amenityPool.filter(() => random() < 0.3),
  };
}

async function seed(pool: Pool, resolutions: { map: number; shard: number }) {
  const hostId = await insertUser(pool, "bench-host");
  const driverId = await insertUser(pool, "bench-driver");
  const today = DateTime.now().setZone(ZONE).startOf("day");
  const dayStart = today.toMillis();
  const chunk = 10_000;
  let bookings = 0;
  for (let from = 0; from < SPACES; from += chunk) {
    const seeds = Array.from({ length: Math.min(chunk, SPACES - from) }, () => randomSpace(hostId, today));
    const ids = await insertSpaces(pool, seeds, resolutions, 5_000);
    // A third of the spaces carry bookings over the coming days (some holds, some finished or cancelled).
    const rows: BookingSeed[] = [];
    for (const id of ids) {
      if (random() > 0.35) continue;
      let cursor = dayStart + between(6, 20) * HOUR;
      for (let n = between(1, 6); n > 0; n--) {
        const start = cursor + between(0, 24) * 30 * MINUTE;
        const end = start + between(2, 8) * 30 * MINUTE;
        rows.push({
          spaceId: id,
          driverId,
          status: pick([...SLOT_HOLDING_STATUSES, "confirmed", "cancelled"]),
          start,
          end,
        });
        cursor = end;
      }
    }
    for (let i = 0; i < rows.length; i += 5_000) await insertBookings(pool, rows.slice(i, i + 5_000));
    bookings += rows.length;
    process.stdout.write(`\r[bench] seeded ${from + seeds.length} spaces, ${bookings} bookings`);
  }
  process.stdout.write("\n");
  await pool.query("vacuum analyze");
  return { bookings, dayStart };
}

/** The baseline: every space in the lat/lng box with its rules and bookings, checked row by row. */
async function baselineSearch(
  pool: Pool,
  request: SearchRequest,
  now: number,
  feeBasisPoints: number,
  sort: "distance" | "price" = "distance",
) {
  const box = boxAround(request.lat, request.lng, request.radiusM);
  const { rows } = await pool.query(
    `select s.id, s.lat, s.lng, s.timezone, s.buffer_minutes, s.min_notice_minutes, s.min_duration_minutes,
            s.max_duration_minutes, s.hourly_rate, s.daily_rate, s.monthly_rate,
            (select coalesce(json_agg(h), '[]') from space_availability h where h.space_id = s.id) as hours,
            (select coalesce(json_agg(e), '[]') from space_availability_exceptions e where e.space_id = s.id) as exceptions,
            (select coalesce(json_agg(json_build_array(extract(epoch from lower(b.during)) * 1000,
                                                       extract(epoch from upper(b.during)) * 1000)), '[]')
               from bookings b
              where b.space_id = s.id and b.status = any ($5)
                and b.during && tstzrange($6::timestamptz - interval '1 day', $7::timestamptz + interval '1 day')) as taken
       from parking_spaces s
      where s.status = 'active' and s.lat between $1 and $2 and s.lng between $3 and $4`,
    [
      box.minLat,
      box.maxLat,
      box.minLng,
      box.maxLng,
      SLOT_HOLDING_STATUSES,
      new Date(request.start),
      new Date(request.end),
    ],
  );
  const window = { start: request.start, end: request.end };
  const found = [];
  for (const row of rows) {
    const distanceM = haversineMeters(request.lat, request.lng, row.lat, row.lng);
    if (distanceM > request.radiusM) continue;
    const rules = {
      timeZone: row.timezone,
      weeklyHours: row.hours.map((h: { day_of_week: number; start_minute: number; end_minute: number }) => ({
        dayOfWeek: h.day_of_week,
        startMinute: h.start_minute,
        endMinute: h.end_minute,
      })),
      exceptions: row.exceptions.map(
        (e: {
          local_date: string;
          kind: "closed" | "open";
          start_minute: number | null;
          end_minute: number | null;
        }) => ({
          localDate: e.local_date,
          kind: e.kind,
          startMinute: e.start_minute,
          endMinute: e.end_minute,
        }),
      ),
      bufferMinutes: row.buffer_minutes,
      minNoticeMinutes: row.min_notice_minutes,
      minDurationMinutes: row.min_duration_minutes,
      maxDurationMinutes: row.max_duration_minutes,
    };
    const taken = row.taken.map(([start, end]: [number, number]) => ({ start, end }));
    if (!checkWindow(rules, taken, window, now).ok) continue;
    const rates = { hourly: row.hourly_rate, daily: row.daily_rate, monthly: row.monthly_rate };
    found.push({ id: row.id as string, distanceM, price: priceWindow(rates, window, feeBasisPoints) });
  }
  const byPrice = sort === "price";
  found.sort(
    (a, b) =>
      (byPrice ? a.price.total - b.price.total : 0) || a.distanceM - b.distanceM || (a.id < b.id ? -1 : 1),
  );
  return { page: found.slice(0, request.limit), inBox: rows.length, bookable: found.length };
}

interface Measured {
  name: string;
  note: string;
  count: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

async function measure(
  name: string,
  note: string,
  requests: SearchRequest[],
  run: (r: SearchRequest) => Promise<unknown>,
) {
  for (const request of requests.slice(0, Math.min(WARMUP, requests.length / 4))) await run(request);
  const samples: number[] = [];
  for (const request of requests) {
    const started = performance.now();
    await run(request);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return {
    name,
    note,
    count: samples.length,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length,
    max: samples.at(-1)!,
  } satisfies Measured;
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function table(rows: Measured[]) {
  const lines = [
    "| scenario | queries | p50 ms | p99 ms | mean ms | max ms | notes |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const row of rows) {
    const f = (n: number) => n.toFixed(2);
    lines.push(
      `| ${row.name} | ${row.count} | ${f(row.p50)} | ${f(row.p99)} | ${f(row.mean)} | ${f(row.max)} | ${row.note} |`,
    );
  }
  return lines.join("\n");
}

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-search-bench-"));
chmodSync(dataDir, 0o755);
let stack: Stack | undefined;
const loadBefore = loadavg();
try {
  stack = await startStack({
    dataDir,
    redisPort: await freePort(),
    postgresPort: await freePort(),
    database: "parkealo_bench",
    ephemeral: true,
  });
  await migrate(stack.databaseUrl);
  const config = loadConfig({
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
  });
  const resolutions = { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION };
  const pool = createPool(stack.databaseUrl, 4);
  const seedStarted = performance.now();
  const seeded = await seed(pool, resolutions);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const hold = Number(process.env.SEARCH_BENCH_HOLD_SECONDS ?? 0);
  if (hold > 0) {
    // Keeps the seeded database up for experiments (psql, EXPLAIN) before measuring.
    console.log(`[bench] holding ${stack.databaseUrl} (Redis ${stack.redisUrl}) for ${hold} s`);
    await new Promise((resolve) => setTimeout(resolve, hold * 1000));
  }

  // Searches where drivers are (around listed spaces), tomorrow, starting 08:00–19:30 local.
  const now = Date.now();
  const tomorrow = DateTime.fromMillis(seeded.dayStart, { zone: ZONE }).plus({ days: 1 });
  const requests = Array.from({ length: QUERIES }, () => {
    const point = randomPoint();
    const start = tomorrow.plus({ minutes: between(16, 39) * 30 }).toMillis();
    return toSearchRequest(
      {
        ...point,
        radiusM: RADIUS_M,
        start: new Date(start).toISOString(),
        end: new Date(start + WINDOW_MINUTES * MINUTE).toISOString(),
      },
      now,
    );
  });

  // The search's own pool, as in the gateway (gateway/http/deps.ts): generic plans.
  const searchPool = createPool(stack.databaseUrl, 4, { genericPlans: true });
  // Counts round trips and rows, so the table says how much work a search does whatever the load.
  const work = { queries: 0, rows: 0, sqlMs: 0 };
  /** Round trips per statement name, for SEARCH_BENCH_STATEMENTS. */
  const byStatement = new Map<string, { n: number; ms: number; rows: number }>();
  const counted = {
    query: async (sql: string | QueryConfig, params?: unknown[]) => {
      const started = performance.now();
      const result = await searchPool.query(sql, params);
      work.sqlMs += performance.now() - started;
      const name = typeof sql === "string" ? "text" : (sql.name ?? "text");
      const entry = byStatement.get(name) ?? { n: 0, ms: 0, rows: 0 };
      byStatement.set(name, entry);
      entry.n++;
      entry.ms += performance.now() - started;
      entry.rows += result.rowCount ?? 0;
      work.queries++;
      work.rows += result.rowCount ?? 0;
      return result;
    },
  } as unknown as Pool;
  const search = new SpaceSearch(counted, {
    feeBasisPoints: config.PLATFORM_FEE_BASIS_POINTS,
    mapResolution: config.H3_MAP_RESOLUTION,
  });
  const workNote = async (run: () => Promise<Measured>) => {
    Object.assign(work, { queries: 0, rows: 0, sqlMs: 0 });
    byStatement.clear();
    const measured = await run();
    if (process.env.SEARCH_BENCH_STATEMENTS) {
      const parts = [...byStatement].map(
        ([name, e]) =>
          `${name} ×${e.n} (${(e.ms / e.n).toFixed(2)} ms, ${Math.round(e.rows / e.n)} rows each)`,
      );
      console.log(`[bench] ${measured.name}: ${parts.join(", ")}`);
    }
    const n = measured.count + Math.min(WARMUP, measured.count / 4);
    measured.note +=
      `; ${(work.queries / n).toFixed(1)} queries, ${Math.round(work.rows / n)} rows, ` +
      `${(work.sqlMs / n).toFixed(1)} ms waiting on SQL per search`;
    return measured;
  };
  // The baseline gets a plain btree on latitude, so its box query is not a full table scan.
  await pool.query("create index bench_lat_idx on parking_spaces (lat) where status = 'active'");
  await pool.query("analyze parking_spaces");
  let inBox = 0;
  let bookable = 0;
  let agree = 0;
  for (const request of requests.slice(0, COMPARED)) {
    for (const sort of ["distance", "price"] as const) {
      const ours = await search.search({ ...request, sort }, now);
      const base = await baselineSearch(pool, request, now, config.PLATFORM_FEE_BASIS_POINTS, sort);
      inBox += base.inBox;
      bookable += base.bookable;
      const same = (a: { id: string }[], b: { id: string }[]) =>
        JSON.stringify(a.map((r) => r.id)) === JSON.stringify(b.map((r) => r.id));
      if (same(ours.results, base.page)) agree++;
    }
  }

  if (process.env.SEARCH_BENCH_EXPLAIN) {
    // Prints the plan of every query of one search in each order (then runs the query for real).
    const explaining = {
      query: async (sql: string | QueryConfig, params?: unknown[]) => {
        const text = typeof sql === "string" ? sql : sql.text;
        const values = params ?? (typeof sql === "string" ? [] : sql.values);
        const { rows } = await pool.query(`explain (analyze, buffers) ${text}`, values);
        console.log(rows.map((row) => row["QUERY PLAN"]).join("\n"));
        return pool.query(sql, params);
      },
    } as unknown as Pool;
    for (const sort of ["distance", "price"] as const) {
      console.log(`\n-- sort=${sort}`);
      await new SpaceSearch(explaining, {
        feeBasisPoints: config.PLATFORM_FEE_BASIS_POINTS,
        mapResolution: config.H3_MAP_RESOLUTION,
      }).search({ ...requests[0]!, sort }, now);
    }
  }

  const results: Measured[] = [];
  results.push(
    await workNote(() =>
      measure("H3 search, in-process, sort=distance", "first page of 20", requests, (r) =>
        search.search(r, now),
      ),
    ),
  );
  results.push(
    await workNote(() =>
      measure("H3 search, in-process, sort=price", "first page of 20", requests, (r) =>
        search.search({ ...r, sort: "price" }, now),
      ),
    ),
  );

  // Over HTTP: the gateway as `npm start` runs it, in its own process, and wrk (one connection, one
  // request after another) in another, so no client work lands in the server's process.
  const gatewayPort = await freePort();
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), "parkealo-search-profile-")) : undefined;
  const profiling = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  /** SEARCH_BENCH_GATEWAY_FLAGS: extra node flags for the gateway (e.g. --trace-gc); its log is kept. */
  const gatewayFlags = (process.env.SEARCH_BENCH_GATEWAY_FLAGS ?? "").split(" ").filter(Boolean);
  const gatewayLog =
    gatewayFlags.length > 0
      ? join(mkdtempSync(join(tmpdir(), "parkealo-search-gateway-")), "gateway.log")
      : join(dataDir, "gateway.log");
  const gateway: ManagedProcess = startProcess(
    "gateway",
    process.execPath,
    [...profiling, ...gatewayFlags, "--import", "tsx", "workers/gateway.ts"],
    {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: {
        ...benchServerEnv(stack, randomBytes(32).toString("hex")),
        HTTP_PORT: String(gatewayPort),
        PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
        OBJECT_STORAGE_DIR: join(dataDir, "objects"),
      },
      logFile: gatewayLog,
    },
  );
  try {
    const baseUrl = `http://127.0.0.1:${gatewayPort}`;
    await waitUntil("gateway", async () => (await fetch(`${baseUrl}/healthz`)).ok, 90_000, gateway.exited);
    const wrk = wrkBinary();
    for (const sort of ["distance", "price"] as const) {
      const list = requests.map(
        (r) =>
          `/api/v1/search/spaces?lat=${r.lat}&lng=${r.lng}&radiusM=${r.radiusM}` +
          `&start=${new Date(r.start).toISOString()}&end=${new Date(r.end).toISOString()}&sort=${sort}`,
      );
      const file = join(dataDir, `search-paths-${sort}.txt`);
      writeFileSync(file, `${list.join("\n")}\n`);
      await searchLoad(wrk, baseUrl, { file, list }, Math.min(WARMUP, list.length / 4));
      const run = await searchLoad(wrk, baseUrl, { file, list }, list.length);
      const answers = Object.entries(run.statuses);
      if (run.socketErrors > 0 || answers.some(([status]) => status !== "200"))
        throw new Error(
          `search over HTTP: ${JSON.stringify(run.statuses)}, ${run.socketErrors} socket errors`,
        );
      results.push({
        name: `H3 search, HTTP GET /api/v1/search/spaces, sort=${sort}`,
        note: `gateway process (workers/gateway.ts); ${run.generator}, keep-alive`,
        count: run.requests,
        p50: run.p50Ms,
        p99: run.p99Ms,
        mean: run.meanMs,
        max: run.maxMs,
      });
    }
  } finally {
    await gateway.stop();
    if (profileDir)
      console.log(`[bench] gateway CPU profile in ${profileDir} (loadtest/cpu-profile-top.ts reads it)`);
    if (gatewayFlags.length > 0)
      console.log(`[bench] gateway log (flags ${gatewayFlags.join(" ")}): ${gatewayLog}`);
  }

  if (BASELINE_QUERIES > 0) {
    results.push(
      await measure(
        "baseline: SQL lat/lng box + per-row check",
        `avg ${Math.round(inBox / Math.max(1, 2 * COMPARED))} rows in box, ` +
          `${Math.round(bookable / Math.max(1, 2 * COMPARED))} bookable in radius`,
        // The baseline is slow: a few dozen queries give its percentiles without hogging the machine.
        requests.slice(0, BASELINE_QUERIES),
        (r) => baselineSearch(pool, r, now, config.PLATFORM_FEE_BASIS_POINTS),
      ),
    );
  }
  await Promise.all([pool.end(), searchPool.end()]);

  const loadAfter = loadavg();
  const knobs = Object.entries(process.env)
    .filter(([name]) => name.startsWith("SEARCH_BENCH_"))
    .map(([name, value]) => `${name}=${value} `)
    .join("");
  console.log(`\ncommand: ${knobs}npm run bench:search  (node --import tsx loadtest/search-bench.ts)`);
  console.log(
    `data: ${SPACES.toLocaleString("en")} spaces over Madrid (seeded in ${seedSeconds.toFixed(0)} s), ` +
      `${seeded.bookings.toLocaleString("en")} bookings; search ${RADIUS_M / 1000} km radius, ` +
      `${WINDOW_MINUTES / 60}-hour window tomorrow 08:00–19:30 Europe/Madrid; ${QUERIES} queries after ${WARMUP} warm-up, sequential`,
  );
  console.log(
    `machine: ${cpus().length} cores; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} before, ` +
      `${loadAfter.map((l) => l.toFixed(2)).join(" ")} after (other processes share the machine)`,
  );
  console.log(`first pages equal to the baseline's (both sorts): ${agree}/${2 * COMPARED}\n`);
  console.log(table(results));
} finally {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (stack) rmSync(stack.postgresDir, { recursive: true, force: true });
}
