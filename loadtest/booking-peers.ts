// The servers the booking benchmark compares, its "peers": each runs in processes of its own against
// the benchmark's Redis + PostgreSQL and serves POST /api/v1/bookings (JSON {spaceId, start, end},
// `Authorization: Bearer`, `Idempotency-Key`). Ours is the system as `npm start` runs it (a gateway
// and shard workers); naive is loadtest/naive-booking-server.ts. A peer built elsewhere (Restate,
// loadtest/restate-peer/) joins through externalPeer: its start function hands back a PeerServer.
import { join } from "node:path";
import { type ManagedProcess, startProcess, waitUntil } from "../devstack/managed-process.ts";
import { freePort } from "../devstack/stack.ts";
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

/**
 * The system under test as devstack/start.ts runs it: one gateway process and `workers` shard
 * workers. `profileDir` runs them with --cpu-prof (a folder per process: a process under tsx has a
 * second thread, its module loader, whose profile would otherwise overwrite the main thread's);
 * `nodeFlags` are passed to each.
 */
export function oursPeer(options: { workers: number; profileDir?: string; nodeFlags: string[] }): Peer {
  const flags = (name: string) => [
    ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${join(options.profileDir, name)}`] : []),
    ...options.nodeFlags,
  ];
  return {
    name: "ours",
    keyless: true,
    cpuGroups: ["gateway", "workers"],
    async start(context) {
      const gatewayPort = await freePort();
      const workers = await Promise.all(
        Array.from({ length: options.workers }, async (_, i) => {
          const name = `shard-worker-${i + 1}`;
          const health = await freePort();
          return {
            name,
            file: "workers/shard-worker.ts",
            env: { WORKER_ID: `bench-worker-${i + 1}`, HEALTH_PORT: String(health) },
            health,
            flags: flags(name),
          };
        }),
      );
      const gateway = {
        name: "gateway",
        file: "workers/gateway.ts",
        env: { HTTP_PORT: String(gatewayPort), PUBLIC_URL: `http://127.0.0.1:${gatewayPort}` },
        health: gatewayPort,
        flags: flags("gateway"),
      };
      const children = await startNodeServers(context, [gateway, ...workers]);
      const stop = () => stopAll(children);
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
      return {
        url: `http://127.0.0.1:${gatewayPort}`,
        cpuGroups: {
          gateway: children.slice(0, 1).flatMap((c) => c.child.pid ?? []),
          workers: children.slice(1).flatMap((c) => c.child.pid ?? []),
        },
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
