// The outbox relay: moves committed outbox rows to the outbox queue. A pass takes unpublished rows
// in id order, a batch at a time (FOR UPDATE SKIP LOCKED: relays of several jobs workers take
// disjoint batches), adds one job per row with a job id derived from the row's id, and marks the
// batch published in the same transaction. It is woken by the outbox trigger's NOTIFY on a
// connection of its own, and by a poll, so an event is relayed within about a poll interval even
// when a notification is lost. Passes run one at a time; a wake-up during a pass runs one more.
import type { Queue } from "bullmq";
import pg from "pg";
import type { Logger } from "../logger.ts";
import { OUTBOX_CHANNEL, oldestUnpublishedAgeSeconds, relayBatch } from "../storage/outbox-repository.ts";
import type { Pool } from "../storage/postgres.ts";
import { type OutboxRetry, outboxJobs } from "./outbox-events.ts";
import type { OutboxMetrics } from "./outbox-metrics.ts";

export interface OutboxRelayOptions {
  readonly pool: Pool;
  /** Where NOTIFY is listened for (a connection of the relay's own, outside the pool). */
  readonly databaseUrl: string;
  readonly queue: Queue;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly retry: OutboxRetry;
  readonly metrics: OutboxMetrics;
  readonly logger: Logger;
}

/** How long the listener waits before connecting again after its connection dropped. */
const RELISTEN_DELAY_MS = 1000;

export class OutboxRelay {
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private poll: NodeJS.Timeout | undefined;
  private listener: pg.Client | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private relayedRows = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  /** Rows this relay has published. */
  relayed(): number {
    return this.relayedRows;
  }

  async start(): Promise<void> {
    await this.listen();
    this.poll = setInterval(() => this.wake(), this.options.pollIntervalMs);
    this.wake();
  }

  /** Runs a pass now, or one more after the pass under way. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** One pass: batches until a batch comes back short. Returns the rows published. */
  async pass(): Promise<number> {
    const { pool, queue, batchSize, retry, metrics } = this.options;
    let total = 0;
    for (;;) {
      const rows = await relayBatch(pool, batchSize, async (batch) => {
        await queue.addBulk(outboxJobs(batch, retry));
      });
      total += rows.length;
      this.relayedRows += rows.length;
      metrics.relayed.inc(rows.length);
      if (rows.length < batchSize || this.closed) break;
    }
    return total;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.relisten);
    await this.running;
    await this.listener?.end().catch(() => {});
  }

  private async drain(): Promise<void> {
    try {
      await this.pass();
    } catch (error) {
      // The rows stay unpublished; the next wake-up or poll takes them again.
      this.options.logger.error({ err: error }, "outbox relay pass failed");
    }
    try {
      // After a failed pass too: a relay that cannot reach Redis shows its lag growing.
      this.options.metrics.lagSeconds.set(await oldestUnpublishedAgeSeconds(this.options.pool));
    } catch (error) {
      this.options.logger.warn({ err: error }, "outbox relay could not read its lag");
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    const retry = () => {
      if (this.closed || this.listener !== client) return;
      this.listener = undefined;
      client.end().catch(() => {});
      this.relisten = setTimeout(() => {
        this.listen().catch(() => {});
      }, RELISTEN_DELAY_MS);
    };
    client.on("error", (error) => {
      this.options.logger.warn({ err: error }, "outbox listener lost its connection");
      retry();
    });
    client.on("end", retry);
    client.on("notification", () => this.wake());
    this.listener = client;
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
      // Whatever was notified while not listening.
      this.wake();
    } catch (error) {
      this.options.logger.warn({ err: error }, "outbox listener could not connect");
      retry();
    }
  }
}
