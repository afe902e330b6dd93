// The Restate peer's service endpoint, a process of its own: serves the SpaceBookings virtual object
// over HTTP/2 without TLS (h2c, so each invocation streams both ways) on 127.0.0.1:PORT for
// restate-server to invoke. Started by start-restate-peer.ts:
//   PORT=… node --import tsx loadtest/restate-peer/service-process.ts
import "./promise-with-resolvers.ts";
import { createServer } from "node:http2";
import * as restate from "@restatedev/restate-sdk";
import { spaceBookings } from "./space-bookings.ts";

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error("PORT must be a port number");
  process.exit(1);
}
const server = createServer(restate.createEndpointHandler({ services: [spaceBookings] }));
server.listen(port, "127.0.0.1");
// Exit on a signal rather than be killed by it, so that --cpu-prof writes its profile.
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
