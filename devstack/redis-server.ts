// Runs a private redis-server: own port and folder, AOF on, noeviction (BullMQ requires it).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { type ManagedProcess, startProcess, waitUntil } from "./managed-process.ts";
import { redisServerBinary } from "./system-packages.ts";

export interface RunningRedis {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startRedis(options: { port: number; dir: string }): Promise<RunningRedis> {
  const binary = redisServerBinary();
  mkdirSync(options.dir, { recursive: true });
  const args = [
    "--port",
    String(options.port),
    "--bind",
    "127.0.0.1",
    "--dir",
    options.dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--save",
    "",
    "--maxmemory-policy",
    "noeviction",
    "--daemonize",
    "no",
    "--logfile",
    "",
  ];
  const proc = startProcess("redis", binary, args, { logFile: join(options.dir, "redis.log") });
  const url = `redis://127.0.0.1:${options.port}`;
  await waitUntil(
    `redis on port ${options.port}`,
    async () => {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await client.connect();
        return (await client.ping()) === "PONG";
      } finally {
        client.disconnect();
      }
    },
    15_000,
    proc.exited,
  );
  return { url, process: proc, stop: () => proc.stop("SIGTERM") };
}
