// Spawns real gateway processes (workers/gateway.ts) on free ports against the test Redis and
// PostgreSQL, for end-to-end suites; each is stopped after the file's tests.
import { fileURLToPath } from "node:url";
import { type ManagedProcess, startProcess, waitUntil } from "../../devstack/managed-process.ts";
import { freePort } from "../../devstack/stack.ts";
import { gatewayMetric, metricsListenerEnv } from "./gateway-metrics.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface GatewayProcess {
  url: string;
  /** Its metrics listener's /metrics (the public port answers 404 there). */
  metricsUrl: string;
  process: ManagedProcess;
  metric(name: string, labels?: string): Promise<number>;
}

/** `perGateway[i]` adds settings for the i-th gateway only. */
export async function startGateways(
  count: number,
  env: Record<string, string>,
  perGateway: Array<Record<string, string>> = [],
): Promise<GatewayProcess[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const { env: metricsEnv, metricsUrl } = await metricsListenerEnv();
      const child = startProcess(
        `gateway-${i + 1}`,
        process.execPath,
        ["--import", "tsx", "workers/gateway.ts"],
        {
          cwd: root,
          env: {
            ...process.env,
            LOG_LEVEL: "warn",
            PUBLIC_URL: url,
            ...env,
            ...perGateway[i],
            HTTP_PORT: String(port),
            HTTP_HOST: "127.0.0.1",
            ...metricsEnv,
          },
        },
      );
      await waitUntil(
        `gateway-${i + 1}`,
        async () => (await fetch(`${url}/healthz`)).ok,
        90_000,
        child.exited,
      );
      return {
        url,
        metricsUrl,
        process: child,
        metric: (name: string, labels = "") => gatewayMetric(metricsUrl, name, labels),
      };
    }),
  );
}
