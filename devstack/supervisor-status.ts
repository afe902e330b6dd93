// The supervisor's own health endpoint: GET /healthz lists every supervised process with its state,
// pid, restart count and last exit. A restarted process cannot know how often it was restarted; the
// supervisor does, so the counter is served here (`npm start`: PARKEALO_HEALTH_PORT_BASE + 4).
import { createServer } from "node:http";
import type { Supervisor } from "./supervisor.ts";

export function serveSupervisorStatus(
  supervisor: Supervisor,
  options: { host: string; port: number },
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (path !== "/healthz" || request.method !== "GET") {
      send(404, { error: { code: "not_found", message: "the supervisor serves GET /healthz only" } });
      return;
    }
    const processes = supervisor.status();
    const status = processes.every((p) => p.state === "running") ? "ok" : "degraded";
    send(200, { status, restarts: processes.reduce((sum, p) => sum + p.restarts, 0), processes });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : options.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
