// Prometheus metrics of the live gateway, registered on the process's registry.
import { Counter, Gauge } from "prom-client";
import type { Metrics } from "../../src/metrics.ts";

export function createLiveMetrics(metrics: Metrics) {
  const registers = [metrics.registry];
  return {
    connections: new Gauge({
      name: "live_connections",
      help: "Open live connections by transport",
      labelNames: ["transport"] as const,
      registers,
    }),
    refused: new Counter({
      name: "live_handshakes_refused_total",
      help: "Upgrades refused before the WebSocket opened, by reason",
      labelNames: ["transport", "reason"] as const,
      registers,
    }),
    connectionsRefused: new Counter({
      name: "live_connections_refused_total",
      help: "Connections refused by the connection caps (too_many_connections per address, server_busy in total)",
      labelNames: ["transport", "reason"] as const,
      registers,
    }),
    slowConsumers: new Counter({
      name: "live_slow_consumer_disconnects_total",
      help: "Connections cut off because their send buffer passed its bound",
      labelNames: ["transport"] as const,
      registers,
    }),
    clientErrors: new Counter({
      name: "live_client_errors_total",
      help: "Client messages answered with an error, by code",
      labelNames: ["code"] as const,
      registers,
    }),
    sessionsEnded: new Counter({
      name: "live_sessions_ended_total",
      help: "Socket identities ended (token expired, logout, password reset, role taken away), by reason",
      labelNames: ["reason"] as const,
      registers,
    }),
  };
}

export type LiveMetrics = ReturnType<typeof createLiveMetrics>;
