// The servers the booking benchmark compares, its "peers": each runs in processes of its own against
// the benchmark's Redis + PostgreSQL and serves POST /api/v1/bookings (JSON {spaceId, start, end},
// `Authorization: Bearer`, `Idempotency-Key`). Ours is the system as `npm start` runs it (a gateway
// and shard workers); naive is loadtest/naive-booking-server.ts. A peer built elsewhere (Restate,
// loadtest/restate-peer/) joins through externalPeer: its start function hands back a PeerServer.
// Ours with payments on brings its own Redis and the local Stripe-compatible server.
import { join } from "node:path";
import { type ManagedProcess, startProcess, waitUntil } from "../devstack/managed-process.ts";
import { startRedis } from "../devstack/redis-server.ts";
import { freePort } from "../devstack/stack.ts";
import { startStripeServer } from "../devstack/stripe-server-process.ts";
import { startRestatePeer } from "./restate-peer/index.ts";

/** What every peer is started with. */
export interface PeerContext {
  /** The repository's root folder. */
  root: string;
  /** The run's folder: logs, profiles. */
  dataDir: string;
  databaseUrl: string;
  redisUrl: string;
  /** Signs the drivers' access tokens (HS256), as the gateway's JWT_SECRET. */
  jwtSecret: string;
  /** The environment the benchmark's Node servers get (the URLs and secret above, production mode). */
  env: NodeJS.ProcessEnv;
  /** The actor runtime's shard count (ours waits until every shard is leased). */
  shardCount: number;
}

/** A peer's running servers as a start function outside this file hands them back. */
export interface PeerServer {
  /** Base URL; the benchmark posts to `${url}/api/v1/bookings`. */
  url: string;
  /** Its processes, whose trees' CPU counts as the peer's. */
  pids: number[];
  /** Where bookings go when not /api/v1/bookings, `{spaceId}` filled in per request. */
  bookingPath?: string;
  /** The status of a booking made when not 201 (counted as a 201). */
  winStatus?: number;
  stop(): Promise<void>;
}

export interface RunningPeer {
  url: string;
  /** Its processes by CPU group, in the order of Peer.cpuGroups (each pid's process tree counts). */
  cpuGroups: Record<string, number[]>;
  /** Counters to read before and after a run (ours: the shard workers' stats). */
  counters?: () => Promise<Record<string, number>>;
  bookingPath?: string;
  winStatus?: number;
  /** Its own Redis, when not the benchmark's (ours with payments on). */
  redisUrl?: string;
  /** The local Stripe-compatible server it pays through (ours with payments on). */
  stripe?: { url: string; secretKey: string };
  stop(): Promise<void>;
}

export interface Peer {
  name: string;
  /** Also run once without Idempotency-Keys per round, for comparison. */
  keyless: boolean;
  /** The CPU groups its processes fall in, in the CPU table's order. */
  cpuGroups: readonly string[];
  start(context: PeerContext): Promise<RunningPeer>;
}

/** A peer started by `start` (e.g. `externalPeer("restate", startRestatePeer)`): one CPU group. */
export function externalPeer(name: string, start: (context: PeerContext) => Promise<PeerServer>): Peer {
  return {
    name,
    keyless: false,
    cpuGroups: [name],
    async start(context) {
      const server = await start(context);
      return {
        url: server.url,
        cpuGroups: { [name]: server.pids },
        ...(server.bookingPath === undefined ? {} : { bookingPath: server.bookingPath }),
        ...(server.winStatus === undefined ? {} : { winStatus: server.winStatus }),
        stop: () => server.stop(),
      };
    },
  };
}

const stopAll = async (children: ManagedProcess[]) => {
  await Promise.all(children.map((child) => child.stop("SIGINT")));
};

/** Whether the server on `port` answers /healthz. */
const healthy = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;

async function healthOf<T>(port: number): Promise<T> {
  return (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as T;
}

interface NodeServerSpec {
  name: string;
  file: string;
  env: Record<string, string>;
  /** Where /healthz answers. */
  health: number;
  /** Node flags before `--import tsx`. */
  flags: string[];
}

/** Node servers under tsx, each ready once its /healthz answers; all stopped if one fails. */
async function startNodeServers(context: PeerContext, specs: NodeServerSpec[]): Promise<ManagedProcess[]> {
  const children = specs.map((spec) =>
    startProcess(spec.name, process.execPath, [...spec.flags, "--import", "tsx", spec.file], {
      cwd: context.root,
      env: { ...context.env, ...spec.env },
      logFile: join(context.dataDir, `${spec.name}.log`),
    }),
  );
  try {
    await Promise.all(
      children.map((child, i) =>
        waitUntil(child.name, () => healthy(specs[i]!.health), 90_000, child.exited),
      ),
    );
    return children;
  } catch (error) {
    await stopAll(children);
    throw error;
  }
}

/** Where ours' payments go when on: the local Stripe-compatible server, its own Redis. */
interface PaymentsStack {
  env: Record<string, string>;
  redisUrl: string;
  stripe: { url: string; secretKey: string };
  pids: { redis: number[]; stripe: number[] };
  stop(): Promise<void>;
}

/**
 * Ours with payments on, as `npm start` runs it: PAYMENTS_ENABLED with the local Stripe-compatible
 * server (its webhooks sent to the gateway), in development mode, since production refuses a
 * STRIPE_API_URL (NODE_ENV changes nothing else on these processes). Its own Redis, so its shard
 * workers and the benchmark's other ours never share shards, leases or mailboxes; the ledger is the
 * benchmark's PostgreSQL, its spaces its own.
 */
async function startPaymentsStack(context: PeerContext, gatewayPort: number): Promise<PaymentsStack> {
  const redis = await startRedis({ port: await freePort(), dir: join(context.dataDir, "redis-payments") });
  try {
    const stripe = await startStripeServer({
      root: context.root,
      port: await freePort(),
      logFile: join(context.dataDir, "stripe-server.log"),
      webhookUrls: [`http://127.0.0.1:${gatewayPort}/api/v1/webhooks/stripe`],
    });
    return {
      env: {
        NODE_ENV: "development",
        REDIS_URL: redis.url,
        PAYMENTS_ENABLED: "true",
        STRIPE_API_URL: stripe.url,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      },
      redisUrl: redis.url,
      stripe: { url: stripe.url, secretKey: stripe.secretKey },
      pids: {
        redis: redis.process.child.pid === undefined ? [] : [redis.process.child.pid],
        stripe: stripe.process.child.pid === undefined ? [] : [stripe.process.child.pid],
      },
      async stop() {
        await stripe.stop();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

/** The CPU groups of ours: its gateway and shard workers, and with payments on its Redis and Stripe. */
const OURS_GROUPS = ["gateway", "workers"] as const;
const PAID_GROUPS = ["pay gateway", "pay workers", "pay redis", "stripe"] as const;

/**
 * The system under test as devstack/start.ts runs it: one gateway process and `workers` shard
 * workers. `profileDir` runs them with --cpu-prof (a folder per process: a process under tsx has a
 * second thread, its module loader, whose profile would otherwise overwrite the main thread's);
 * `nodeFlags` are passed to each. `payments`: with payments on (startPaymentsStack); its CPU groups
 * are named apart ("pay gateway", …) so that both can run in one benchmark.
 */
export function oursPeer(options: {
  workers: number;
  profileDir?: string;
  nodeFlags: string[];
  payments?: boolean;
}): Peer {
  const tag = options.payments ? "pay-" : "";
  const flags = (name: string) => [
    ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, name)}`] : []),
    ...options.nodeFlags,
  ];
  return {
    name: "ours",
    keyless: true,
    cpuGroups: options.payments ? PAID_GROUPS : OURS_GROUPS,
    async start(context) {
      const gatewayPort = await freePort();
      const payments = options.payments ? await startPaymentsStack(context, gatewayPort) : undefined;
      const extraEnv = payments?.env ?? {};
      const workers = await Promise.all(
        Array.from({ length: options.workers }, async (_, i) => {
          const name = `${tag}shard-worker-${i + 1}`;
          const health = await freePort();
          return {
            name,
            file: "workers/shard-worker.ts",
            env: { ...extraEnv, WORKER_ID: `bench-${tag}worker-${i + 1}`, HEALTH_PORT: String(health) },
            health,
            flags: flags(name),
          };
        }),
      );
      const gateway = {
        name: `${tag}gateway`,
        file: "workers/gateway.ts",
        env: { ...extraEnv, HTTP_PORT: String(gatewayPort), PUBLIC_URL: `http://127.0.0.1:${gatewayPort}` },
        health: gatewayPort,
        flags: flags(`${tag}gateway`),
      };
      let children: ManagedProcess[];
      try {
        children = await startNodeServers(context, [gateway, ...workers]);
      } catch (error) {
        await payments?.stop();
        throw error;
      }
      const stop = async () => {
        await stopAll(children);
        await payments?.stop();
      };
      try {
        // Every shard leased before measuring.
        await waitUntil(
          "shard leases",
          async () => {
            const owned = await Promise.all(
              workers.map(
                async (w) => (await healthOf<{ ownedShards: unknown[] }>(w.health)).ownedShards.length,
              ),
            );
            return owned.reduce((a, b) => a + b, 0) === context.shardCount;
          },
          60_000,
        );
      } catch (error) {
        await stop();
        throw error;
      }
      const gatewayPids = children.slice(0, 1).flatMap((c) => c.child.pid ?? []);
      const workerPids = children.slice(1).flatMap((c) => c.child.pid ?? []);
      const cpuGroups: Record<string, number[]> = payments
        ? {
            "pay gateway": gatewayPids,
            "pay workers": workerPids,
            "pay redis": payments.pids.redis,
            stripe: payments.pids.stripe,
          }
        : { gateway: gatewayPids, workers: workerPids };
      return {
        url: `http://127.0.0.1:${gatewayPort}`,
        cpuGroups,
        ...(payments ? { redisUrl: payments.redisUrl, stripe: payments.stripe } : {}),
        // The shard workers' counters (their /healthz): commands, fenced commits, mailbox reads.
        async counters() {
          const sum: Record<string, number> = {};
          for (const w of workers) {
            const { stats } = await healthOf<{ stats: Record<string, number> }>(w.health);
            for (const [k, v] of Object.entries(stats)) sum[k] = (sum[k] ?? 0) + v;
          }
          return sum;
        },
        stop,
      };
    },
  };
}

/** The baseline: loadtest/naive-booking-server.ts, one process (never profiled). */
export const naivePeer: Peer = {
  name: "naive",
  keyless: false,
  cpuGroups: ["naive"],
  async start(context) {
    const port = await freePort();
    const children = await startNodeServers(context, [
      {
        name: "naive",
        file: "loadtest/naive-booking-server.ts",
        env: { HTTP_PORT: String(port) },
        health: port,
        flags: [],
      },
    ]);
    return {
      url: `http://127.0.0.1:${port}`,
      cpuGroups: { naive: children.flatMap((c) => c.child.pid ?? []) },
      stop: () => stopAll(children),
    };
  },
};

/**
 * Restate (loadtest/restate-peer/): one virtual object per space, called straight at its ingress with
 * the request's Idempotency-Key; a booking made is its 200, a taken slot 409.
 */
export const restatePeer = externalPeer("restate", async (context) => {
  const peer = await startRestatePeer({ dataDir: join(context.dataDir, "restate") });
  return {
    url: peer.url,
    pids: [peer.pids.server, peer.pids.service],
    bookingPath: peer.bookingPathTemplate,
    winStatus: 200,
    stop: () => peer.stop(),
  };
});
