// The app processes `npm start` runs under its supervisor: 1 gateway, 2 shard workers, 1 jobs worker,
// each a `node --import tsx workers/….ts` with its ports, its log file and the URL that says it is ready.
import type { ProcessSpec } from "./supervisor.ts";

export interface StackPorts {
  /** The gateway's public port (API, pages, live). */
  gateway: number;
  /** The gateway's internal metrics listener (also /healthz, /readyz). */
  gatewayMetrics: number;
  shardWorkers: [number, number];
  jobsWorker: number;
}

export interface StackProcess extends ProcessSpec {
  /** Answers 200 once the process serves. */
  readyUrl: string;
}

/** `env` is every process's environment (connections, settings); each adds its own ports and id. */
export function stackProcesses(options: {
  root: string;
  env: NodeJS.ProcessEnv;
  ports: StackPorts;
  logDir: string;
}): StackProcess[] {
  const { ports } = options;
  const entries = [
    {
      name: "gateway",
      file: "workers/gateway.ts",
      env: { HTTP_PORT: String(ports.gateway), METRICS_PORT: String(ports.gatewayMetrics) },
      readyPort: ports.gateway,
    },
    ...ports.shardWorkers.map((port, i) => ({
      name: `shard-worker-${i + 1}`,
      file: "workers/shard-worker.ts",
      env: { WORKER_ID: `shard-worker-${i + 1}`, HEALTH_PORT: String(port) },
      readyPort: port,
    })),
    {
      name: "jobs-worker",
      file: "workers/jobs-worker.ts",
      env: { HEALTH_PORT: String(ports.jobsWorker) },
      readyPort: ports.jobsWorker,
    },
  ];
  return entries.map((entry) => ({
    name: entry.name,
    command: process.execPath,
    args: ["--import", "tsx", entry.file],
    options: {
      cwd: options.root,
      env: { ...options.env, ...entry.env },
      logFile: `${options.logDir}/${entry.name}.log`,
    },
    readyUrl: `http://127.0.0.1:${entry.readyPort}/readyz`,
  }));
}
