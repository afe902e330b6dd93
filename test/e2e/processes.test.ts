// The process entry points as `npm start` runs them: each starts, reports ready, serves its HTTP
// surface, and stops cleanly on SIGTERM; a bad config value stops a process naming the variable.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../devstack/stack.ts";
import { metricsListenerEnv, readGatewayMetrics } from "../support/gateway-metrics.ts";

const running: ChildProcess[] = [];
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

function launch(file: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function waitReady(port: number, exited: Promise<unknown>) {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 200 && !gone; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`port ${port} never became ready`);
}

describe("gateway process", () => {
  it("serves health, API docs, metrics and limits bodies over real HTTP, then stops on SIGTERM", async () => {
    const port = await freePort();
    const { env: metricsEnv, metricsUrl } = await metricsListenerEnv();
    const gateway = launch("workers/gateway.ts", {
      HTTP_PORT: String(port),
      BODY_LIMIT_BYTES: "2048",
      ...metricsEnv,
    });
    await waitReady(port, gateway.exited);
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`, { headers: { "x-request-id": "trace-42" } });
    expect(health.headers.get("x-request-id")).toBe("trace-42");
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = (await (await fetch(`${base}/readyz`)).json()) as any;
    expect(ready.checks).toEqual({ postgres: "ok", redis: "ok" });

    const spec = (await (await fetch(`${base}/openapi.json`)).json()) as any;
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api/v1/auth/register", "/api/v1/auth/refresh", "/api/v1/users/profile"]),
    );
    const docs = await fetch(`${base}/docs`);
    expect(await docs.text()).toContain("swagger-ui-bundle.js");
    const asset = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("x-request-id")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );

    const big = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@b.co", password: "x".repeat(10_000) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error.code).toBe("payload_too_large");
    expect(big.headers.get("x-request-id")).toBeTruthy();

    const metrics = await readGatewayMetrics(metricsUrl);
    expect(metrics).toContain('http_requests_total{method="POST",route="/api/*",status="413"');

    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
  });

  it("serves /metrics on its metrics listener only: 404 on the public API port, 200 on METRICS_PORT", async () => {
    const port = await freePort();
    const { env: metricsEnv, metricsUrl } = await metricsListenerEnv();
    const gateway = launch("workers/gateway.ts", { HTTP_PORT: String(port), ...metricsEnv });
    await waitReady(port, gateway.exited);

    const onApiPort = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(onApiPort.status).toBe(404);
    const notFound = (await onApiPort.json()) as any;
    expect(notFound.error.code).toBe("not_found");

    const onMetricsPort = await fetch(metricsUrl);
    expect(onMetricsPort.status).toBe(200);
    expect(onMetricsPort.headers.get("content-type")).toContain("text/plain");
    const text = await onMetricsPort.text();
    expect(text).toContain("process_resident_memory_bytes");
    // The refused request on the API port is counted, and read from the metrics listener.
    expect(text).toMatch(/http_requests_total\{method="GET",route="[^"]*",status="404"[^}]*\} [1-9]/);
    // Beside the metrics, the listener answers health checks like the workers' health ports.
    const ready = (await (await fetch(metricsUrl.replace("/metrics", "/readyz"))).json()) as any;
    expect(ready.checks).toEqual({ postgres: "ok", redis: "ok" });

    gateway.child.kill("SIGTERM");
    expect(await gateway.exited).toBe(0);
  });

  it("refuses to start on a bad config value and names it", async () => {
    const gateway = launch("workers/gateway.ts", { HTTP_PORT: "not-a-port" });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain("HTTP_PORT");
  });
});

describe("worker processes", () => {
  for (const [file, component] of [
    ["workers/shard-worker.ts", "shard-worker"],
    ["workers/jobs-worker.ts", "jobs-worker"],
  ] as const) {
    it(`${component} reports ready and stops on SIGTERM`, async () => {
      const port = await freePort();
      const worker = launch(file, { HEALTH_PORT: String(port), WORKER_ID: `test-${component}` });
      await waitReady(port, worker.exited);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as any;
      expect(health.component).toBe(component);
      worker.child.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    });
  }
});
