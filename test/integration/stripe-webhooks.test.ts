// POST /api/v1/webhooks/stripe against real PostgreSQL (a database of this file's own), Redis and the
// local Stripe-compatible server: a missing, wrong, malformed or stale (> 5 min) signature is a 400 in
// the API's error shape with nothing written; the same event twice is one stripe_events row, one
// outbox row and one effect; account.updated events delivered out of order end in the account's state.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { STRIPE_WEBHOOK_MAX_BYTES } from "../../gateway/http/host-payment-schemas.ts";
import {
  purgeStripeEvents,
  STRIPE_EVENT_RETENTION_DAYS,
} from "../../src/storage/stripe-events-repository.ts";
import { waitFor } from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { sqlAccount } from "../support/sql-accounts.ts";
import { testStripe } from "../support/stripe-server.ts";
import {
  accountEvents,
  deliverEvent,
  followOnboardingLink,
  postWebhook,
  startStripeHandlers,
} from "../support/stripe-webhooks.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const db = useScratchDatabase("stripe_webhooks", 6);
const stripe = testStripe();
const t = createTestApp({ DATABASE_URL: db.url, PAYMENTS_ENABLED: "true", STRIPE_SECRET_KEY: stripe.key });

async function written() {
  const { rows } = await db.pool().query<{ events: number; outbox: number; effects: number }>(
    `select (select count(*)::int from stripe_events) as events,
            (select count(*)::int from outbox) as outbox,
            (select count(*)::int from processed_events) as effects`,
  );
  return rows[0]!;
}

/** A host with a Stripe account made through the API (not yet onboarded). */
async function hostWithAccount() {
  const host = await sqlAccount(t, ["driver", "host"], "host");
  const res = await host.client.post("/api/v1/hosts/me/payment-account");
  if (res.status !== 200) throw new Error(`payment account: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    host,
    accountId: res.body.account.stripeAccountId as string,
    link: res.body.onboardingUrl as string,
  };
}

async function storedFlags(accountId: string) {
  const { rows } = await db.pool().query(
    `select charges_enabled, payouts_enabled, details_submitted, requirements
       from host_payment_accounts where stripe_account_id = $1`,
    [accountId],
  );
  return rows[0];
}

describe("the Stripe webhook", () => {
  it("refuses a missing, wrong, malformed or stale signature with 400, writing nothing", async () => {
    const { accountId } = await hostWithAccount();
    await stripe.stripe.accounts.update(accountId, { metadata: { note: "changed" } });
    const [event] = await accountEvents(stripe.stripe, accountId);
    const payload = JSON.stringify(event);
    const before = await written();
    const sign = (options: { secret?: string; timestamp?: number }) =>
      stripe.stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? t.config.STRIPE_WEBHOOK_SECRET!,
        ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
      });
    const now = Math.floor(Date.now() / 1000);
    const refusals = [
      await postWebhook(t, payload, undefined),
      await postWebhook(t, payload, sign({ secret: `whsec_${randomBytes(16).toString("hex")}` })),
      await postWebhook(t, payload, "not a signature"),
      await postWebhook(t, payload, sign({ timestamp: now - 301 })),
      // Signed right, then changed.
      await postWebhook(t, payload.replace(accountId, `${accountId}x`), sign({})),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expectErrorShape(refusal.body);
    }
    expect(refusals.map((r) => r.body.error.code)).toEqual(Array(5).fill("invalid_signature"));
    expect(refusals[3]!.body.error.message).toMatch(/tolerance/i);
    expect(await written()).toEqual(before);
    // Within the tolerance: taken.
    expect((await postWebhook(t, payload, sign({ timestamp: now - 240 }))).status).toBe(200);
    expect((await written()).events).toBe(before.events + 1);
  });

  it("refuses a body over its limit with 413, writing nothing", async () => {
    const before = await written();
    const huge = JSON.stringify({ id: "evt_huge", object: "event", type: "x", data: { object: {} } }).replace(
      '"x"',
      `"${"x".repeat(STRIPE_WEBHOOK_MAX_BYTES)}"`,
    );
    const res = await postWebhook(t, huge, "t=1,v1=00");
    expect(res.status).toBe(413);
    expectErrorShape(res.body);
    expect(await written()).toEqual(before);
  });

  it("takes the same event twice as one: one outbox row, one effect", async () => {
    await startStripeHandlers(db.pool(), db.url, stripe.stripe);
    const { accountId, link } = await hostWithAccount();
    await followOnboardingLink(link);
    const [event] = await accountEvents(stripe.stripe, accountId);
    const first = await deliverEvent(t, stripe.stripe, event!);
    const second = await deliverEvent(t, stripe.stripe, event!);
    expect(first.body).toEqual({ received: true, duplicate: false });
    expect(second).toEqual({ status: 200, body: { received: true, duplicate: true } });
    const { rows } = await db
      .pool()
      .query(`select id, event_type, payload->>'id' as "eventId" from outbox where aggregate_id = $1`, [
        event!.id,
      ]);
    expect(rows).toEqual([{ id: rows[0].id, event_type: "account.updated", eventId: event!.id }]);
    await waitFor("the effect", 10_000, async () =>
      (await storedFlags(accountId))?.charges_enabled ? true : undefined,
    );
    // Delivered a third time after it was handled: still one row and one effect.
    expect((await deliverEvent(t, stripe.stripe, event!)).body.duplicate).toBe(true);
    const effects = await db
      .pool()
      .query(`select handler from processed_events where event_id = $1`, [rows[0].id]);
    expect(effects.rows).toEqual([{ handler: "stripe-accounts" }]);
  });

  it("ends in the account's state when account.updated events arrive out of order", async () => {
    await startStripeHandlers(db.pool(), db.url, stripe.stripe);
    const { host, accountId, link } = await hostWithAccount();
    // An older event whose account was not yet onboarded, then onboarding's.
    await stripe.stripe.accounts.update(accountId, { metadata: { note: "before onboarding" } });
    await followOnboardingLink(link);
    const [older, newer] = await accountEvents(stripe.stripe, accountId);
    expect((older!.data.object as { charges_enabled: boolean }).charges_enabled).toBe(false);
    expect((newer!.data.object as { charges_enabled: boolean }).charges_enabled).toBe(true);
    // The newer first, the older last: a handler that trusted the event would end not ready.
    expect((await deliverEvent(t, stripe.stripe, newer!)).status).toBe(200);
    const newerHandled = async () => {
      const { rows } = await db.pool().query(
        `select count(*)::int as n from processed_events p join outbox o on o.id = p.event_id
          where o.aggregate_id = any($1::text[])`,
        [[older!.id, newer!.id]],
      );
      return rows[0].n;
    };
    await waitFor("the newer event handled", 10_000, async () =>
      (await newerHandled()) === 1 ? true : undefined,
    );
    expect((await deliverEvent(t, stripe.stripe, older!)).status).toBe(200);
    await waitFor("both handled", 10_000, async () => ((await newerHandled()) === 2 ? true : undefined));
    const account = await stripe.stripe.accounts.retrieve(accountId);
    expect(await storedFlags(accountId)).toEqual({
      charges_enabled: account.charges_enabled,
      payouts_enabled: account.payouts_enabled,
      details_submitted: account.details_submitted,
      requirements: account.requirements?.currently_due ?? [],
    });
    expect((await host.client.get("/api/v1/hosts/me/payment-account")).body.status).toBe("ready");
  });

  it("ignores an account no host of ours holds, and takes events of every type once", async () => {
    await startStripeHandlers(db.pool(), db.url, stripe.stripe);
    const stranger = await stripe.stripe.accounts.create({ type: "express" });
    await stripe.stripe.accounts.update(stranger.id, { metadata: { note: "x" } });
    const [event] = await accountEvents(stripe.stripe, stranger.id);
    expect((await deliverEvent(t, stripe.stripe, event!)).body.duplicate).toBe(false);
    const intent = await stripe.stripe.paymentIntents.create({ amount: 500, currency: "eur" });
    const created = await stripe.stripe.events.list({ type: "payment_intent.created", limit: 100 });
    const other = created.data.find((e) => (e.data.object as { id: string }).id === intent.id)!;
    expect((await deliverEvent(t, stripe.stripe, other)).body.duplicate).toBe(false);
    expect((await deliverEvent(t, stripe.stripe, other)).body.duplicate).toBe(true);
    await waitFor("the relay", 10_000, async () => {
      const { rows } = await db
        .pool()
        .query(`select count(*)::int as n from outbox where published_at is null`);
      return rows[0].n === 0 ? true : undefined;
    });
    const { rows } = await db
      .pool()
      .query(`select count(*)::int as n from host_payment_accounts where stripe_account_id = $1`, [
        stranger.id,
      ]);
    expect(rows[0].n).toBe(0);
  });

  it("forgets event ids past their retention only", async () => {
    const days = STRIPE_EVENT_RETENTION_DAYS;
    await db.pool().query(
      `insert into stripe_events (event_id, type, received_at) values
         ('evt_old', 'x', now() - make_interval(days => $1 + 1)),
         ('evt_recent', 'x', now() - make_interval(days => $1 - 1))`,
      [days],
    );
    expect(await purgeStripeEvents(db.pool())).toBe(1);
    const { rows } = await db
      .pool()
      .query(`select event_id from stripe_events where event_id = any($1::text[])`, [
        ["evt_old", "evt_recent"],
      ]);
    expect(rows).toEqual([{ event_id: "evt_recent" }]);
  });
});
