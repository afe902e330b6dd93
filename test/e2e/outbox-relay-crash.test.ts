// The outbox through real jobs-worker processes (a database of this file's own, a queue of its
// own): two jobs workers relay and handle a stream of booking events while one of them is
// SIGKILLed mid-stream and started again; every event reaches the `space-event-counts` handler
// exactly once (the counts equal the outbox rows per space and event type), none is lost, and
// every row ends published.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  expectedAndCounted,
  useOutboxQueue,
  waitFor,
  writeBookingEvents,
} from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { spawnWorker, stopWorker, type WorkerProcess } from "../support/worker-processes.ts";

const JOBS_WORKER_ENTRY = fileURLToPath(new URL("../../workers/jobs-worker.ts", import.meta.url));
const db = useScratchDatabase("outbox_crash", 4);
const queueName = useOutboxQueue("outbox-crash");

function jobsWorker(id: string): Promise<WorkerProcess> {
  return spawnWorker(
    id,
    {
      DATABASE_URL: db.url,
      OUTBOX_QUEUE: queueName,
      OUTBOX_RELAY_BATCH_SIZE: "50",
      OUTBOX_HANDLER_BACKOFF_MS: "100",
      LOG_LEVEL: "warn",
    },
    JOBS_WORKER_ENTRY,
  );
}

const COMMITS = 150;
const EVENTS_PER_COMMIT = 20;

describe("outbox relay across jobs-worker crashes", () => {
  it("every event of a stream reaches its handler exactly once while a jobs worker is SIGKILLed and restarted", async () => {
    const spaces = Array.from({ length: 8 }, () => randomUUID());
    let a = await jobsWorker("outbox-a");
    const b = await jobsWorker("outbox-b");
    for (let commit = 0; commit < COMMITS; commit += 1) {
      await writeBookingEvents(db.pool(), spaces, EVENTS_PER_COMMIT);
      if (commit === 50) a.signal("SIGKILL");
      if (commit === 100) a = await jobsWorker("outbox-a");
      await sleep(10);
    }
    const total = COMMITS * EVENTS_PER_COMMIT;
    // A job the killed worker held comes back once its lock lapses (BullMQ's 30 s stalled check).
    const rows = await waitFor("every event counted", 100_000, async () => {
      const rows = await expectedAndCounted(db.pool());
      return rows.length > 0 && rows.every((r) => r.counted >= r.expected) ? rows : undefined;
    });
    for (const row of rows) expect(row.counted, row.key).toBe(row.expected);
    expect(rows.reduce((sum, r) => sum + r.expected, 0)).toBe(total);
    const { rows: state } = await db.pool().query<{ unpublished: number; effects: number }>(
      `select (select count(*)::int from outbox where published_at is null) as unpublished,
                (select count(*)::int from processed_events where handler = 'space-event-counts') as effects`,
    );
    expect(state[0]).toEqual({ unpublished: 0, effects: total });
    // Both workers relayed rows; the survivor's health says so.
    expect(((await b.health()) as unknown as { outboxRelayed: number }).outboxRelayed).toBeGreaterThan(0);
    // Both stop cleanly, leaving the database free to drop.
    await Promise.all([stopWorker(a), stopWorker(b)]);
  }, 180_000);
});
