// Starts restate-server (the binary that @restatedev/restate-server ships for this platform) as one
// node with every role, listening on free loopback TCP ports only, its data under a given folder,
// and waits until its admin API and ingress answer.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { join } from "node:path";
import { type ManagedProcess, startProcess, waitUntil } from "../../devstack/managed-process.ts";
import { freePort } from "../../devstack/stack.ts";

export interface RestateServerOptions {
  /** Restate's data goes to `<dataDir>/restate`, its log to `<dataDir>/restate-server.log`. */
  dataDir: string;
  /**
   * fsync the log's writes (Restate's default). Off unless asked, like the benchmark's PostgreSQL
   * (devstack's ephemeral cluster: fsync=off, synchronous_commit=off).
   */
  durable?: boolean;
}

export interface RestateServer {
  /** Where callers invoke handlers: `POST {ingressUrl}/{object}/{key}/{handler}`. */
  ingressUrl: string;
  /** Where deployments are registered: `POST {adminUrl}/deployments`. */
  adminUrl: string;
  process: ManagedProcess;
}

/** The restate-server binary inside node_modules (the optional dependency for this OS and CPU). */
export function restateServerBinary(): string {
  const require = createRequire(import.meta.url);
  return require.resolve(`@restatedev/restate-server-${platform()}-${arch()}/bin/restate-server`);
}

export async function startRestateServer(options: RestateServerOptions): Promise<RestateServer> {
  const [ingressPort, adminPort, fabricPort] = [await freePort(), await freePort(), await freePort()];
  const baseDir = join(options.dataDir, "restate");
  mkdirSync(baseDir, { recursive: true });
  const noFsync = options.durable
    ? {}
    : {
        RESTATE_LOG_SERVER__ROCKSDB_DISABLE_WAL_FSYNC: "true",
        RESTATE_BIFROST__LOCAL__ROCKSDB_DISABLE_WAL_FSYNC: "true",
      };
  const server = startProcess(
    "restate-server",
    restateServerBinary(),
    ["--base-dir", baseDir, "--node-name", "bench", "--no-logo"],
    {
      env: {
        ...process.env,
        RESTATE_LISTEN_MODE: "tcp",
        RESTATE_BIND_IP: "127.0.0.1",
        RESTATE_BIND_PORT: String(fabricPort),
        RESTATE_INGRESS__BIND_PORT: String(ingressPort),
        RESTATE_ADMIN__BIND_PORT: String(adminPort),
        RESTATE_DISABLE_TELEMETRY: "true",
        // At info it logs every request that ends in a refusal (a TerminalError).
        RESTATE_LOG_FILTER: "warn",
        RESTATE_LOG_DISABLE_ANSI_CODES: "true",
        ...noFsync,
      },
      logFile: join(options.dataDir, "restate-server.log"),
    },
  );
  const ingressUrl = `http://127.0.0.1:${ingressPort}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  try {
    await waitUntil(
      "restate-server",
      async () => (await fetch(`${adminUrl}/health`)).ok && (await fetch(`${ingressUrl}/restate/health`)).ok,
      60_000,
      server.exited,
    );
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ingressUrl, adminUrl, process: server };
}
