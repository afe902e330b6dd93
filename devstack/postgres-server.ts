// Runs a private PostgreSQL cluster from the machine's server binaries: initdb on a new folder,
// TCP on 127.0.0.1 only, run as an unprivileged account when we are root.
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { type ManagedProcess, startProcess, waitUntil } from "./managed-process.ts";
import { postgresAccount, postgresBinDir } from "./system-packages.ts";

export interface RunningPostgres {
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  port: number;
  dir: string;
  database: string;
  /** Trade durability for speed (fsync off): for throwaway test clusters only. */
  ephemeral?: boolean;
  logFile: string;
  /** More server settings (`name=value`), e.g. a diagnostic extension to preload. */
  settings?: string[];
}

function initCluster(bin: string, dir: string, account: ReturnType<typeof postgresAccount>) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dir, account.uid, account.gid);
  const result = spawnSync(
    join(bin, "initdb"),
    ["-D", dir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"],
    { encoding: "utf8", ...(account ? { uid: account.uid, gid: account.gid } : {}) },
  );
  if (result.status !== 0) throw new Error(`initdb failed in ${dir}:\n${result.stderr || result.stdout}`);
}

export async function startPostgres(options: PostgresOptions): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const account = postgresAccount();
  if (!existsSync(join(options.dir, "PG_VERSION"))) initCluster(bin, options.dir, account);

  const settings = [
    "listen_addresses=127.0.0.1",
    `port=${options.port}`,
    "unix_socket_directories=",
    "max_connections=300",
    "shared_buffers=256MB",
    ...(options.ephemeral ? ["fsync=off", "synchronous_commit=off", "full_page_writes=off"] : []),
    ...(options.settings ?? []),
  ];
  const logFile = options.logFile;
  writeFileSync(logFile, "");
  const proc: ManagedProcess = startProcess(
    "postgres",
    join(bin, "postgres"),
    ["-D", options.dir, ...settings.flatMap((s) => ["-c", s])],
    { logFile, ...(account ? { uid: account.uid, gid: account.gid } : {}) },
  );

  const admin = `postgres://postgres@127.0.0.1:${options.port}/postgres`;
  await waitUntil(
    `postgres on port ${options.port}`,
    async () => {
      const client = new pg.Client({ connectionString: admin });
      try {
        await client.connect();
        await client.query("select 1");
        return true;
      } finally {
        await client.end().catch(() => {});
      }
    },
    30_000,
    proc.exited,
  );

  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [options.database]);
    if (found.rowCount === 0) await client.query(`create database "${options.database}"`);
  } finally {
    await client.end();
  }

  return {
    url: `postgres://postgres@127.0.0.1:${options.port}/${options.database}`,
    process: proc,
    // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
    stop: () => proc.stop("SIGINT", 20_000),
  };
}
