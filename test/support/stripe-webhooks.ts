// Stripe's events delivered to the app's webhook route as Stripe sends them (signed with the
// endpoint's secret), the events the local server made for one account, and the outbox jobs that run
// the Stripe handlers, for the payment-account, webhook and payout tests.
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
import type Stripe from "stripe";
import { onTestFinished } from "vitest";
import { type OutboxHandler, OutboxHandlerRegistry } from "../../src/jobs/outbox-handlers.ts";
import { startOutboxJobs } from "../../src/jobs/outbox-job.ts";
import { createOutboxMetrics } from "../../src/jobs/outbox-metrics.ts";
import { createLogger } from "../../src/logger.ts";
import { stripeAccountsHandler } from "../../src/payments/stripe-accounts-handler.ts";
import type { Pool } from "../../src/storage/postgres.ts";
import { createRedis } from "../../src/storage/redis.ts";
import type { TestApp } from "./test-app.ts";

/** POSTs a raw body to the webhook route with the given Stripe-Signature (none when undefined). */
export async function postWebhook(t: TestApp, payload: string, signature: string | undefined) {
  const response = await t.app.request("/api/v1/webhooks/stripe", {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      ...(signature === undefined ? {} : { "stripe-signature": signature }),
    },
    body: payload,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** Delivers an event as Stripe does: its JSON, signed now (or at `timestamp`) with `secret`. */
export async function deliverEvent(
  t: TestApp,
  stripe: Stripe,
  event: Stripe.Event,
  options: { secret?: string; timestamp?: number } = {},
) {
  const payload = JSON.stringify(event, null, 2);
  const secret = options.secret ?? t.config.STRIPE_WEBHOOK_SECRET;
  if (!secret) throw new Error("STRIPE_WEBHOOK_SECRET is not set: run the tests with `npm test`");
  const signature = stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return postWebhook(t, payload, signature);
}

/** The `account.updated` events the server sent about one account, oldest first. */
export async function accountEvents(stripe: Stripe, accountId: string): Promise<Stripe.Event[]> {
  const events = await stripe.events.list({ type: "account.updated", limit: 100 });
  return events.data.filter((event) => (event.data.object as { id?: string }).id === accountId).reverse(); // listed newest first
}

/**
 * The outbox relay and a worker running the Stripe handlers on `pool`'s database, for one test; `more`
 * handlers run beside them (e.g. the booking-payments handler).
 */
export async function startStripeHandlers(
  pool: Pool,
  databaseUrl: string,
  stripe: Stripe,
  more: OutboxHandler[] = [],
) {
  const connection = createRedis(process.env.REDIS_URL ?? "", "stripe-handlers-test", { blocking: true });
  const queueName = `stripe-events-test-${randomUUID()}`;
  const jobs = await startOutboxJobs({
    pool,
    databaseUrl,
    connection,
    registry: new OutboxHandlerRegistry([stripeAccountsHandler(stripe), ...more]),
    metrics: createOutboxMetrics(new Registry()),
    logger: createLogger({ LOG_LEVEL: "silent" }, "stripe-handlers-test"),
    queueName,
    batchSize: 100,
    pollIntervalMs: 200,
    retry: { attempts: 5, backoffMs: 200 },
    concurrency: 4,
  });
  onTestFinished(async () => {
    await jobs.close();
    const queue = new Queue(queueName, { connection });
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });
  return jobs;
}

/** Follows an onboarding link as the host's browser would: onboarding done, sent on to the return URL. */
export async function followOnboardingLink(url: string): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  if (response.status !== 302) throw new Error(`onboarding link answered ${response.status}`);
  return response.headers.get("location") ?? "";
}
