// The stateful services every process needs, brought up together on private ports and folders:
// Redis and PostgreSQL. Used by `npm start` (persistent data) and `npm test` (throwaway data).
import { createHash } from "node:crypto";
import { mkdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { startPostgres } from "./postgres-server.ts";
import { startRedis } from "./redis-server.ts";
import { postgresAccount } from "./system-packages.ts";

export interface StackOptions {
  /** Folder for Redis data and logs (created when missing). */
  dataDir: string;
  redisPort: number;
  postgresPort: number;
  database: string;
  ephemeral?: boolean;
  /** More PostgreSQL server settings (`name=value`). */
  postgresSettings?: string[];
}

export interface Stack {
  redisUrl: string;
  databaseUrl: string;
  /** Where PostgreSQL keeps its cluster (may differ from dataDir when running as root). */
  postgresDir: string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject()));
    });
  });
}

function othersCanReach(path: string): boolean {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return false;
    } catch {
      // not created yet: its parent decides
    }
    if (dirname(dir) === dir) return true;
  }
}

/**
 * PostgreSQL refuses to run as root, so under root it runs as an unprivileged account that must be
 * able to reach its folder; when the project folder is private, the cluster lives under /var/tmp.
 */
function postgresDirFor(dataDir: string): string {
  const inside = join(dataDir, "postgres");
  if (!postgresAccount() || othersCanReach(dataDir)) return inside;
  const tag = createHash("sha1").update(resolve(dataDir)).digest("hex").slice(0, 12);
  const outside = join("/var/tmp", `parkealo-${tag}`);
  mkdirSync(outside, { recursive: true, mode: 0o755 });
  return join(outside, "postgres");
}

export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.dataDir, { recursive: true });
  const postgresDir = postgresDirFor(options.dataDir);
  const [redis, postgres] = await Promise.allSettled([
    startRedis({ port: options.redisPort, dir: join(options.dataDir, "redis") }),
    startPostgres({
      port: options.postgresPort,
      dir: postgresDir,
      database: options.database,
      logFile: join(options.dataDir, "postgres.log"),
      ephemeral: options.ephemeral ?? false,
      ...(options.postgresSettings ? { settings: options.postgresSettings } : {}),
    }),
  ]);
  const started = [redis, postgres].flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
  if (redis.status === "rejected" || postgres.status === "rejected") {
    await stop();
    throw redis.status === "rejected" ? redis.reason : (postgres as PromiseRejectedResult).reason;
  }
  return { redisUrl: redis.value.url, databaseUrl: postgres.value.url, postgresDir, stop };
}
