// What runs an outbox event's side effects: a registry of handlers by event type, each run in its
// own transaction that first claims (event id, handler name) in processed_events. An effect written
// in that transaction therefore happens once however often the event is delivered: a retry, a job
// added again after a relay's crash, a job taken up again after its worker died. An effect outside
// PostgreSQL (a Stripe call, an email) must carry a key derived from the event id (e.g.
// `${handler}:${eventId}` as the Stripe idempotency key) so that a retry after a commit that did not
// happen repeats nothing.
import type { Logger } from "../logger.ts";
import { claimEffect } from "../storage/outbox-repository.ts";
import { type Pool, type PoolClient, withTransaction } from "../storage/postgres.ts";
import type { OutboxEvent } from "./outbox-events.ts";
import type { OutboxMetrics } from "./outbox-metrics.ts";

export interface OutboxHandler {
  /** Stable: it keys the handler's effects in processed_events. */
  readonly name: string;
  handles(event: Pick<OutboxEvent, "aggregateType" | "eventType">): boolean;
  /**
   * Makes the effect in `tx`; throws to have the event retried (nothing of this handler is kept). May
   * answer work to start once `tx` has committed (e.g. queueing deliveries of rows it wrote): it runs
   * once, after the commit, and its failure is only logged, so it must be work that something else
   * also starts when it is lost (a sweep), and that is harmless when started twice.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: handlers with nothing to follow return nothing
  handle(tx: PoolClient, event: OutboxEvent): Promise<void | AfterCommit>;
}

export type AfterCommit = () => Promise<void>;

export class OutboxHandlerRegistry {
  private readonly handlers: readonly OutboxHandler[];

  constructor(handlers: readonly OutboxHandler[]) {
    const names = new Set<string>();
    for (const handler of handlers) {
      if (names.has(handler.name)) throw new Error(`two outbox handlers named ${handler.name}`);
      names.add(handler.name);
    }
    this.handlers = handlers;
  }

  handlersFor(event: Pick<OutboxEvent, "aggregateType" | "eventType">): OutboxHandler[] {
    return this.handlers.filter((h) => h.handles(event));
  }
}

/**
 * Runs every handler of the event, each once. A handler that fails does not stop the others; the
 * job then fails (BullMQ retries it with backoff) and the retry runs only the handlers not yet done.
 */
export async function runHandlers(
  pool: Pool,
  registry: OutboxHandlerRegistry,
  event: OutboxEvent,
  metrics: OutboxMetrics,
  logger: Logger,
): Promise<{ ran: string[]; skipped: string[] }> {
  const ran: string[] = [];
  const skipped: string[] = [];
  const errors: unknown[] = [];
  for (const handler of registry.handlersFor(event)) {
    try {
      const made = await withTransaction(pool, async (tx) => {
        if (!(await claimEffect(tx, event.id, handler.name))) return false;
        return (await handler.handle(tx, event)) ?? true;
      });
      (made ? ran : skipped).push(handler.name);
      if (made) metrics.handled.inc({ handler: handler.name });
      if (typeof made === "function") {
        await made().catch((error: unknown) =>
          logger.warn(
            { err: error, handler: handler.name, eventId: event.id },
            "outbox handler's follow-up failed",
          ),
        );
      }
    } catch (error) {
      metrics.handlerFailures.inc({ handler: handler.name });
      logger.warn({ err: error, handler: handler.name, eventId: event.id }, "outbox handler failed");
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} outbox handlers failed`);
  return { ran, skipped };
}
