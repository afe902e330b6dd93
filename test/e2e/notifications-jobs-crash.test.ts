// Notifications through real jobs-worker processes (a database and queues of this file's own, the dev
// inbox's SMTP server): two jobs workers relay and handle a stream of booking cancellations, each
// telling the driver and the host in app and by email, while one worker is SIGKILLed mid-stream and
// started again. Nothing is lost (every email row ends sent, every notification reaches the SMTP
// server) and nothing is duplicated (two in-app and two email rows per event; on the SMTP side one
// Message-ID per email row, each naming a row).
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { wakeOutboxRelay } from "../../src/storage/outbox-repository.ts";
import { OPEN_SPACE } from "../support/booking-fixtures.ts";
import { useOutboxQueue, waitFor } from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { hostWithSpace, insertBooking } from "../support/space-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";
import { testInbox } from "../support/test-inbox.ts";
import { spawnWorker, stopWorker, type WorkerProcess } from "../support/worker-processes.ts";

const JOBS_WORKER_ENTRY = fileURLToPath(new URL("../../workers/jobs-worker.ts", import.meta.url));
const db = useScratchDatabase("notifications_crash", 4);
const t = createTestApp({ DATABASE_URL: db.url });
const outboxQueue = useOutboxQueue("notifications-crash-outbox");
const emailQueue = useOutboxQueue("notifications-crash-emails");
const inbox = testInbox();

function jobsWorker(id: string): Promise<WorkerProcess> {
  return spawnWorker(
    id,
    {
      DATABASE_URL: db.url,
      OUTBOX_QUEUE: outboxQueue,
      OUTBOX_HANDLER_BACKOFF_MS: "100",
      NOTIFICATION_EMAIL_QUEUE: emailQueue,
      NOTIFICATION_EMAIL_BACKOFF_MS: "100",
      NOTIFICATION_EMAIL_SWEEP_MS: "1000",
      LOG_LEVEL: "warn",
    },
    JOBS_WORKER_ENTRY,
  );
}

const EVENTS = 90;

describe("notifications across jobs-worker crashes", () => {
  it("every cancellation tells both parties once by email and in app while a jobs worker is SIGKILLed", async () => {
    const { host, spaceId } = await hostWithSpace(t, OPEN_SPACE);
    const drivers = await Promise.all([1, 2, 3].map(() => t.signUp("driver")));
    const bookings: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const driver = drivers[i % drivers.length]!;
      bookings.push(
        await insertBooking(t, spaceId, driver.userId, {
          status: "cancelled",
          startsInHours: 48 + i * 3,
          hours: 2,
        }),
      );
    }

    let a = await jobsWorker("notify-a");
    const b = await jobsWorker("notify-b");
    for (const [i, bookingId] of bookings.entries()) {
      await db.pool().query(
        `insert into outbox (aggregate_type, aggregate_id, event_type, payload)
         values ('booking', $1, 'booking.cancelled', $2)`,
        [
          bookingId,
          JSON.stringify({
            spaceId,
            type: "bookingStatusChanged",
            bookingId,
            from: "confirmed",
            to: "cancelled",
          }),
        ],
      );
      wakeOutboxRelay(db.pool());
      if (i === 30) a.signal("SIGKILL");
      if (i === 60) a = await jobsWorker("notify-a");
      await sleep(20);
    }

    // A job the killed worker held comes back once its lock lapses (BullMQ's 30 s stalled check).
    const rows = await waitFor("every email row sent", 100_000, async () => {
      const { rows } = await db
        .pool()
        .query<{ id: string; channel: string; status: string }>(
          `select id, channel, status from notifications`,
        );
      const emails = rows.filter((r) => r.channel === "email");
      return emails.length === 2 * EVENTS && emails.every((r) => r.status === "sent") ? rows : undefined;
    });
    expect(rows.filter((r) => r.channel === "in_app")).toHaveLength(2 * EVENTS);
    const emailIds = new Set(rows.filter((r) => r.channel === "email").map((r) => r.id));

    const addresses = [host.email, ...drivers.map((d) => d.email)];
    const messageIds = await waitFor("every email at the SMTP server", 30_000, async () => {
      const ids: string[] = [];
      for (const address of addresses) {
        for (const mail of await inbox.list(address)) {
          const id = mail.headers["message-id"];
          if (id?.startsWith("<notification.")) ids.push(id);
        }
      }
      return new Set(ids).size >= 2 * EVENTS ? ids : undefined;
    });
    const distinct = new Set(messageIds);
    expect(distinct.size).toBe(2 * EVENTS);
    for (const id of distinct)
      expect(emailIds.has(id.slice("<notification.".length).split("@")[0]!)).toBe(true);
    // A mail accepted just before the kill and sent again on retry keeps its Message-ID: at most the
    // killed worker's sends in flight (its concurrency) arrive twice.
    expect(messageIds.length - distinct.size).toBeLessThanOrEqual(8);
    console.log(`[notifications-crash] ${messageIds.length} messages, ${distinct.size} distinct`);

    await Promise.all([stopWorker(a), stopWorker(b)]);
  }, 180_000);
});
