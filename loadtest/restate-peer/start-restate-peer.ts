// Starts the Restate peer of the booking benchmark: restate-server, the service endpoint process
// (service-process.ts), the deployment registered with the admin API, and waits until the ingress
// routes to the SpaceBookings object. The load goes straight to Restate's ingress, no front of ours.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ManagedProcess, startProcess, waitUntil } from "../../devstack/managed-process.ts";
import { freePort } from "../../devstack/stack.ts";
import { startRestateServer } from "./restate-server.ts";
import { SPACE_BOOKINGS } from "./space-bookings.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface RestatePeerOptions {
  /** Restate's data (`restate/`) and both processes' logs go here; the caller removes it. */
  dataDir: string;
  /** fsync Restate's log writes; off by default, like the benchmark's PostgreSQL. */
  durable?: boolean;
  /** Extra node flags for the service endpoint process (e.g. --cpu-prof). */
  nodeFlags?: string[];
}

export interface RestatePeer {
  /** Restate's ingress, `http://127.0.0.1:<port>`: where the load goes. */
  url: string;
  /** Ingress path that books on one space: `/SpaceBookings/<spaceId>/book`. */
  bookingPath(spaceId: string): string;
  /** The same path with `{spaceId}` where the id goes, for a wrk script to fill in per request. */
  bookingPathTemplate: string;
  /** restate-server and the Node service endpoint: the processes whose CPU is the peer's. */
  pids: { server: number; service: number };
  /** Stops both processes; the data stays in dataDir. */
  stop(): Promise<void>;
}

export const BOOKING_PATH_TEMPLATE = `/${SPACE_BOOKINGS}/{spaceId}/book`;

export async function startRestatePeer(options: RestatePeerOptions): Promise<RestatePeer> {
  mkdirSync(options.dataDir, { recursive: true });
  const started: ManagedProcess[] = [];
  const stop = async () => {
    // restate-server first: with the endpoint gone it would retry its invocations against nothing.
    for (const child of [...started].reverse()) await child.stop("SIGTERM", 5_000);
  };
  try {
    const servicePort = await freePort();
    const service = startProcess(
      "restate-service",
      process.execPath,
      [
        ...(options.nodeFlags ?? []),
        "--import",
        "tsx",
        join(root, "loadtest/restate-peer/service-process.ts"),
      ],
      {
        cwd: root,
        // The SDK logs every invocation at INFO and every refusal (a TerminalError) at WARN.
        env: { ...process.env, PORT: String(servicePort), RESTATE_LOGGING: "ERROR" },
        logFile: join(options.dataDir, "restate-service.log"),
      },
    );
    started.push(service);
    const server = await startRestateServer(options);
    started.push(server.process);

    // Discovery asks the endpoint what it serves, so this retries until the endpoint listens.
    await waitUntil(
      "restate deployment",
      async () => {
        const response = await fetch(`${server.adminUrl}/deployments`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ uri: `http://127.0.0.1:${servicePort}`, force: true }),
        });
        return response.ok;
      },
      60_000,
      service.exited,
    );
    // The ingress learns of the new deployment shortly after the admin API answers.
    await waitUntil(
      "restate ingress",
      async () =>
        (await fetch(`${server.ingressUrl}/${SPACE_BOOKINGS}/readiness-probe/bookings`, { method: "POST" }))
          .ok,
      30_000,
      server.process.exited,
    );
    return {
      url: server.ingressUrl,
      bookingPath: (spaceId) => BOOKING_PATH_TEMPLATE.replace("{spaceId}", encodeURIComponent(spaceId)),
      bookingPathTemplate: BOOKING_PATH_TEMPLATE,
      pids: { server: server.process.child.pid!, service: service.child.pid! },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
