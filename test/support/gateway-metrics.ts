// Reads a gateway's Prometheus metrics from its metrics listener (METRICS_PORT), never from the public
// API port, which answers 404 for /metrics. Suites that start gateways give each a metrics port.
import { freePort } from "../../devstack/stack.ts";

/** Settings that give a gateway process a metrics listener on a free loopback port, and its URL. */
export async function metricsListenerEnv(): Promise<{ env: Record<string, string>; metricsUrl: string }> {
  const port = await freePort();
  return {
    env: { METRICS_PORT: String(port), METRICS_HOST: "127.0.0.1" },
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
  };
}

/** The exposition text the gateway's metrics listener serves; throws on any answer but 200. */
export async function readGatewayMetrics(metricsUrl: string): Promise<string> {
  const response = await fetch(metricsUrl);
  if (response.status !== 200) throw new Error(`${metricsUrl} answered ${response.status}`);
  return response.text();
}

/** The value of the first series of `name` whose labels contain `labels` (0 when there is none). */
export function metricValue(text: string, name: string, labels = ""): number {
  const line = text
    .split("\n")
    .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(labels));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** One metric's value as the gateway at `metricsUrl` reports it now. */
export async function gatewayMetric(metricsUrl: string, name: string, labels = ""): Promise<number> {
  return metricValue(await readGatewayMetrics(metricsUrl), name, labels);
}
