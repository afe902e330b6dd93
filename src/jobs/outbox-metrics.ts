// What the outbox relay and its handlers report to Prometheus: the relay's lag (age of the oldest
// unpublished row), rows relayed, effects made and handler failures by handler.
import { Counter, Gauge, type Registry } from "prom-client";

export function createOutboxMetrics(registry: Registry) {
  const lagSeconds = new Gauge({
    name: "outbox_relay_lag_seconds",
    help: "Age of the oldest outbox row not yet relayed to BullMQ (0 when none), as of the last relay pass",
    registers: [registry],
  });
  const relayed = new Counter({
    name: "outbox_rows_relayed_total",
    help: "Outbox rows this process added to the outbox queue and marked published",
    registers: [registry],
  });
  const handled = new Counter({
    name: "outbox_effects_total",
    help: "Effects made by outbox handlers (first deliveries), by handler",
    labelNames: ["handler"] as const,
    registers: [registry],
  });
  const handlerFailures = new Counter({
    name: "outbox_handler_failures_total",
    help: "Failed runs of outbox handlers (each is retried with backoff), by handler",
    labelNames: ["handler"] as const,
    registers: [registry],
  });
  lagSeconds.set(0);
  relayed.inc(0);
  return { lagSeconds, relayed, handled, handlerFailures };
}

export type OutboxMetrics = ReturnType<typeof createOutboxMetrics>;
