// Notifications from booking events, against real PostgreSQL (a database of this file's own), Redis,
// the space actor hosted here, the outbox relay with the `notifications` handler, the email job and
// the dev inbox's SMTP server: a request and its approval tell exactly the host and then the driver,
// in app and by email as their preferences allow and in their language; turning a kind's email off
// stops it; an event handled twice writes one row per channel; a non-essential email carries a
// one-click unsubscribe link that works; a refused mail is retried, then left failed; the in-app
// list, its unread count and read marks.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationsHandler } from "../../src/jobs/notifications-handler.ts";
import type { OutboxEvent } from "../../src/jobs/outbox-events.ts";
import { OutboxHandlerRegistry, runHandlers } from "../../src/jobs/outbox-handlers.ts";
import { startOutboxJobs } from "../../src/jobs/outbox-job.ts";
import { createOutboxMetrics } from "../../src/jobs/outbox-metrics.ts";
import { createLogger } from "../../src/logger.ts";
import { mailerFromConfig } from "../../src/mail/smtp-mailer.ts";
import { notificationMessageId, startEmailDelivery } from "../../src/notifications/email-delivery.ts";
import { withTransaction } from "../../src/storage/postgres.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { openSpace, window } from "../support/booking-fixtures.ts";
import { waitFor } from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";
import { type InboxMessage, testInbox } from "../support/test-inbox.ts";

const db = useScratchDatabase("notifications", 6);
const t = createTestApp({ DATABASE_URL: db.url, ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "2" });
const logger = createLogger({ LOG_LEVEL: "silent" }, "notifications-test");
const connection = createRedis(t.config.REDIS_URL, "notifications-test", { blocking: true });
const outboxQueue = `notifications-outbox-${randomUUID()}`;
const emailQueue = `notifications-emails-${randomUUID()}`;
const mailer = mailerFromConfig(t.config, logger);
const inbox = testInbox();
let emails: Awaited<ReturnType<typeof startEmailDelivery>>;
let outbox: Awaited<ReturnType<typeof startOutboxJobs>>;
let handler: ReturnType<typeof notificationsHandler>;

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-notifications-host");
  emails = await startEmailDelivery({
    pool: t.deps.pool,
    connection,
    mailer,
    logger,
    queueName: emailQueue,
    attempts: 5,
    backoffMs: 100,
    concurrency: 4,
    sweepIntervalMs: 3_600_000,
    publicUrl: t.config.PUBLIC_URL,
    secret: t.config.JWT_SECRET,
  });
  handler = notificationsHandler(emails.enqueue);
  outbox = await startOutboxJobs({
    pool: t.deps.pool,
    databaseUrl: db.url,
    connection,
    registry: new OutboxHandlerRegistry([handler]),
    metrics: createOutboxMetrics(new Registry()),
    logger,
    queueName: outboxQueue,
    batchSize: 500,
    pollIntervalMs: 200,
    retry: { attempts: 5, backoffMs: 100 },
    concurrency: 4,
  });
});

afterAll(async () => {
  await outbox.close();
  await emails.close();
  await mailer.close();
  for (const name of [outboxQueue, emailQueue]) {
    const queue = new Queue(name, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await connection.quit();
});

/** The notification mails (not the sign-up's verification mail) in an address's inbox. */
async function notificationMails(address: string): Promise<InboxMessage[]> {
  return (await inbox.list(address)).filter((m) => m.headers["message-id"]?.startsWith("<notification."));
}

async function waitForMails(address: string, count: number) {
  return waitFor(`${count} notification mails to ${address}`, 15_000, async () => {
    const mails = await notificationMails(address);
    return mails.length >= count ? mails : undefined;
  });
}

interface Row {
  id: string;
  user_id: string;
  channel: string;
  kind: string;
  status: string;
  language: string;
  subject: string;
}

async function rowsOf(bookingId: string): Promise<Row[]> {
  const { rows } = await t.deps.pool.query<Row>(
    `select id, user_id, channel, kind, status, language, subject from notifications
      where booking_id = $1 order by created_at, channel`,
    [bookingId],
  );
  return rows;
}

async function waitForRows(bookingId: string, count: number) {
  return waitFor(`${count} notification rows of ${bookingId}`, 15_000, async () => {
    const rows = await rowsOf(bookingId);
    return rows.length >= count ? rows : undefined;
  });
}

/** Waits until no email row of the booking is pending (each sent, failed or skipped). */
async function settled(bookingId: string) {
  return waitFor(`emails of ${bookingId} settled`, 15_000, async () => {
    const rows = await rowsOf(bookingId);
    return rows.some((r) => r.status === "pending") ? undefined : rows;
  });
}

const pick = (rows: Row[], userId: string, channel: string) =>
  rows.filter((r) => r.user_id === userId && r.channel === channel).map((r) => [r.kind, r.status]);

describe("a booking's life tells the right people", () => {
  it("request → approve: the host hears of the request in Spanish, the driver of the approval in English", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    expect((await host.client.post("/api/v1/users/preferences", { language: "es" })).status).toBe(200);
    const driver = await t.signUp("driver");

    const requested = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1) });
    expect(requested.body.status).toBe("pending_approval");
    const bookingId = requested.body.id as string;
    await waitForRows(bookingId, 2);
    const approved = await host.client.put(`/api/v1/bookings/${bookingId}/approve`);
    expect(approved.body.status).toBe("confirmed");
    await waitForRows(bookingId, 4);
    const rows = await settled(bookingId);

    expect(pick(rows, host.userId, "in_app")).toEqual([["booking_request", "sent"]]);
    expect(pick(rows, host.userId, "email")).toEqual([["booking_request", "sent"]]);
    expect(pick(rows, driver.userId, "in_app")).toEqual([["booking_approved", "sent"]]);
    expect(pick(rows, driver.userId, "email")).toEqual([["booking_approved", "sent"]]);
    expect(rows.find((r) => r.user_id === host.userId)!.language).toBe("es");
    expect(rows.find((r) => r.user_id === driver.userId)!.language).toBe("en");

    const [hostMail] = await waitForMails(host.email, 1);
    const [driverMail] = await waitForMails(driver.email, 1);
    expect(hostMail!.subject).toMatch(/^Nueva solicitud de reserva para /);
    expect(hostMail!.text).toContain("quiere aparcar");
    expect(hostMail!.html).toContain("<p>");
    expect(driverMail!.subject).toMatch(/^Your booking at .* is approved$/);
    // Each mail's Message-ID names its row; essential mail has no unsubscribe header.
    const hostEmailRow = rows.find((r) => r.user_id === host.userId && r.channel === "email")!;
    expect(hostMail!.headers["message-id"]).toBe(notificationMessageId(hostEmailRow.id, t.config.PUBLIC_URL));
    expect(hostMail!.headers["list-unsubscribe"]).toBeUndefined();

    // Exactly one mail each, however long we wait for a late duplicate.
    await emails.sweep();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await notificationMails(host.email)).toHaveLength(1);
    expect(await notificationMails(driver.email)).toHaveLength(1);
  });

  it("a kind whose email the driver turned off is only in the app", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const off = await driver.client.put("/api/v1/notifications/preferences", {
      booking_approved: { email: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.booking_approved).toEqual({ inApp: true, email: false, sms: false, push: true });
    // Other kinds keep their defaults.
    expect(off.body.booking_rejected).toEqual({ inApp: true, email: true, sms: false, push: true });

    const requested = await driver.client.post("/api/v1/bookings", { spaceId, ...window(4) });
    await waitForRows(requested.body.id, 2);
    await host.client.put(`/api/v1/bookings/${requested.body.id}/approve`);
    await waitForRows(requested.body.id, 4);
    const rows = await settled(requested.body.id);
    expect(pick(rows, driver.userId, "in_app")).toEqual([["booking_approved", "sent"]]);
    expect(pick(rows, driver.userId, "email")).toEqual([["booking_approved", "skipped"]]);
    // The host's mail went out; the driver's never does.
    await waitForMails(host.email, 1);
    await emails.sweep();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await notificationMails(driver.email)).toHaveLength(0);
  });

  it("an extension's mail to the host carries a one-click unsubscribe link that turns that kind off", async () => {
    const { spaceId, host } = await openSpace(t);
    const driver = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(7) });
    expect(booked.body.status).toBe("confirmed");
    const extended = await driver.client.put(`/api/v1/bookings/${booked.body.id}/extend`, {
      end: window(10, 0).end,
    });
    expect(extended.status).toBe(200);
    const [mail] = await waitForMails(host.email, 1);
    expect(mail!.subject).toMatch(/extended$/);
    expect(mail!.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    const link = new URL(mail!.headers["list-unsubscribe"]!.replace(/^<|>$/g, ""));
    expect(link.pathname).toBe("/api/v1/notifications/unsubscribe");

    const forged = await t.client().call("POST", `${link.pathname}?token=${link.searchParams.get("token")}x`);
    expect(forged.status).toBe(400);
    expectErrorShape(forged.body);
    const clicked = await t.client().call("POST", `${link.pathname}${link.search}`, {
      raw: "List-Unsubscribe=One-Click",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(clicked.status).toBe(200);
    const prefs = await host.client.get("/api/v1/notifications/preferences");
    expect(prefs.body.booking_extended.email).toBe(false);
    expect(prefs.body.booking_request.email).toBe(true);
  });
});

describe("each event notifies once", () => {
  it("the handler run twice for one event writes one row per channel and queues nothing the second time", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(12) });
    await waitForRows(booked.body.id, 2);
    const rows = await settled(booked.body.id);
    expect(rows.map((r) => [r.channel, r.kind])).toEqual([
      ["email", "booking_confirmed"],
      ["in_app", "booking_confirmed"],
    ]);
    const { rows: events } = await t.deps.pool.query(
      `select id, aggregate_type as "aggregateType", aggregate_id as "aggregateId", event_type as "eventType",
              payload, 0 as "createdAt"
         from outbox where aggregate_id = $1`,
      [booked.body.id],
    );
    const event = events[0] as OutboxEvent;
    // Past the claim: the rows' own uniqueness keeps one per (event, user, channel).
    for (let i = 0; i < 2; i++) {
      const followUp = await withTransaction(t.deps.pool, (tx) => handler.handle(tx, event));
      expect(followUp).toBeUndefined();
    }
    // Through the claim: the handler is not run again at all.
    const again = await runHandlers(
      t.deps.pool,
      new OutboxHandlerRegistry([handler]),
      event,
      createOutboxMetrics(new Registry()),
      logger,
    );
    expect(again).toEqual({ ran: [], skipped: ["notifications"] });
    expect(await rowsOf(booked.body.id)).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await notificationMails(driver.email)).toHaveLength(1);
  });
});

describe("email delivery", () => {
  it("retries a mail the SMTP server refuses with backoff, then leaves its row failed with the reason", async () => {
    const { spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    // The dev inbox refuses recipients in the reserved .invalid domain (550).
    await t.deps.pool.query(`update users set email = $2 where id = $1`, [
      driver.userId,
      `refused-${randomUUID()}@example.invalid`,
    ]);
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(25) });
    await waitForRows(booked.body.id, 2);
    const { rows } = await waitFor("the email given up", 15_000, async () => {
      const result = await t.deps.pool.query<{ status: string; attempts: number; last_error: string }>(
        `select status, attempts, last_error from notifications where booking_id = $1 and channel = 'email'`,
        [booked.body.id],
      );
      return result.rows[0]?.status === "failed" ? result : undefined;
    });
    // Every attempt (5 with this file's settings) counted; the in-app row stands.
    expect(rows[0]).toMatchObject({ status: "failed", attempts: 5 });
    expect(rows[0]!.last_error).toMatch(/550/);
    expect(pick(await rowsOf(booked.body.id), driver.userId, "in_app")).toEqual([
      ["booking_confirmed", "sent"],
    ]);
  });
});

describe("in-app notifications", () => {
  it("lists mine newest first with the unread count; marks read only mine", async () => {
    const { spaceId, host } = await openSpace(t, { bookingMode: "request" });
    const driver = await t.signUp("driver");
    const ids: string[] = [];
    for (const hours of [16, 19, 22]) {
      const res = await driver.client.post("/api/v1/bookings", { spaceId, ...window(hours) });
      ids.push(res.body.id);
      await waitForRows(res.body.id, 2);
    }
    const first = await host.client.get("/api/v1/notifications?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.unreadCount).toBe(3);
    expect(first.body.notifications.map((n: { bookingId: string }) => n.bookingId)).toEqual([ids[2], ids[1]]);
    const second = await host.client.get(`/api/v1/notifications?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.notifications.map((n: { bookingId: string }) => n.bookingId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();

    const id = first.body.notifications[0].id as string;
    const byOther = await driver.client.post(`/api/v1/notifications/${id}/read`);
    expect(byOther.status).toBe(404);
    expectErrorShape(byOther.body);
    const read = await host.client.post(`/api/v1/notifications/${id}/read`);
    expect(read.status).toBe(200);
    expect(read.body.readAt).not.toBeNull();
    const after = await host.client.get("/api/v1/notifications?unread=true");
    expect(after.body.unreadCount).toBe(2);
    expect(after.body.notifications).toHaveLength(2);
    expect((await driver.client.get("/api/v1/notifications")).body).toMatchObject({
      notifications: [],
      unreadCount: 0,
    });
  });

  it("refuses bad input with 400 and writes nothing", async () => {
    const user = await t.signUp("driver");
    for (const body of [
      { nope: { email: false } },
      { booking_request: { inApp: false } },
      { booking_request: { email: "no" } },
    ]) {
      const res = await user.client.put("/api/v1/notifications/preferences", body);
      expect(res.status).toBe(400);
      expectErrorShape(res.body);
    }
    expect((await user.client.get("/api/v1/notifications?cursor=nonsense")).status).toBe(400);
    expect((await user.client.post("/api/v1/notifications/not-a-uuid/read")).status).toBe(400);
    const { rows } = await t.deps.pool.query(`select 1 from notification_preferences where user_id = $1`, [
      user.userId,
    ]);
    expect(rows).toHaveLength(0);
  });
});
