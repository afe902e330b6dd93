// Hosts' Stripe Connect accounts over HTTP against real PostgreSQL (a database of this file's own),
// Redis and the local Stripe-compatible server: made once per host, onboarded through the link,
// turned ready by Stripe's account.updated delivered to the webhook route and handled through the
// outbox relay; publishing refused with 409 until then; payments off answers 409.
import { describe, expect, it } from "vitest";
import { waitFor } from "../support/outbox-fixtures.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { objectStorageDir, validSpaceBody } from "../support/space-fixtures.ts";
import { sqlAccount } from "../support/sql-accounts.ts";
import { testStripe } from "../support/stripe-server.ts";
import {
  accountEvents,
  deliverEvent,
  followOnboardingLink,
  startStripeHandlers,
} from "../support/stripe-webhooks.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const db = useScratchDatabase("payment_accounts", 6);
const stripe = testStripe();
const t = createTestApp({
  DATABASE_URL: db.url,
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
  OBJECT_STORAGE_DIR: objectStorageDir(),
});
const paymentsOff = createTestApp({ DATABASE_URL: db.url, PAYMENTS_ENABLED: "false" });

const host = () => sqlAccount(t, ["driver", "host"], "host");

describe("a host's payment account", () => {
  it("onboards: made once, link followed, account.updated through the webhook and the relay → ready; publishing refused before, allowed after", async () => {
    await startStripeHandlers(db.pool(), db.url, stripe.stripe);
    const me = await host();

    const none = await me.client.get("/api/v1/hosts/me/payment-account");
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ status: "none", stripeAccountId: null, chargesEnabled: false });

    const refused = await me.client.post("/api/v1/spaces", validSpaceBody());
    expect(refused.status).toBe(409);
    expectErrorShape(refused.body);
    expect(refused.body.error.code).toBe("payment_account_not_ready");
    expect(refused.body.error.message).toMatch(/payment account/);
    const draft = await me.client.post("/api/v1/spaces", validSpaceBody({ status: "inactive" }));
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe("inactive");

    const first = await me.client.post("/api/v1/hosts/me/payment-account");
    expect(first.status).toBe(200);
    expect(first.body.account).toMatchObject({ status: "onboarding", chargesEnabled: false });
    expect(first.body.account.missing).toEqual(expect.arrayContaining(["charges not enabled"]));
    expect(first.body.onboardingUrl).toMatch(/^http/);
    const accountId: string = first.body.account.stripeAccountId;
    expect(accountId).toMatch(/^acct_/);
    const again = await me.client.post("/api/v1/hosts/me/payment-account");
    expect(again.body.account.stripeAccountId).toBe(accountId);
    expect(again.body.onboardingUrl).not.toBe(first.body.onboardingUrl);
    const counts = await stripe.counts();
    expect(counts.accounts).toBe(1);
    expect(counts.account_links).toBe(2);
    const account = await stripe.stripe.accounts.retrieve(accountId);
    expect(account.metadata).toEqual({ userId: me.userId });

    const publish = await me.client.put(`/api/v1/spaces/${draft.body.id}`, { status: "active" });
    expect(publish.status).toBe(409);
    expect(publish.body.error.code).toBe("payment_account_not_ready");

    const back = await followOnboardingLink(again.body.onboardingUrl);
    expect(back).toBe(new URL("/?payment-account=return", t.config.PUBLIC_URL).toString());
    // Ready at Stripe, not yet here: the webhook brings it.
    expect((await me.client.get("/api/v1/hosts/me/payment-account")).body.status).toBe("onboarding");
    const events = await accountEvents(stripe.stripe, accountId);
    expect(events).toHaveLength(1);
    const delivered = await deliverEvent(t, stripe.stripe, events[0]!);
    expect(delivered).toEqual({ status: 200, body: { received: true, duplicate: false } });

    const ready = await waitFor("the account ready", 10_000, async () => {
      const res = await me.client.get("/api/v1/hosts/me/payment-account");
      return res.body.status === "ready" ? res.body : undefined;
    });
    expect(ready).toMatchObject({
      stripeAccountId: accountId,
      chargesEnabled: true,
      payoutsEnabled: true,
      detailsSubmitted: true,
      missing: [],
    });
    expect((await me.client.put(`/api/v1/spaces/${draft.body.id}`, { status: "active" })).status).toBe(200);
    const published = await me.client.post("/api/v1/spaces", validSpaceBody());
    expect(published.status).toBe(201);
    expect(published.body.status).toBe("active");
  });

  it("is made once when a host asks twice at the same time", async () => {
    const me = await host();
    const before = (await stripe.counts()).accounts ?? 0;
    const answers = await Promise.all([
      me.client.post("/api/v1/hosts/me/payment-account"),
      me.client.post("/api/v1/hosts/me/payment-account"),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.body.account.stripeAccountId).toBe(answers[1]!.body.account.stripeAccountId);
    expect((await stripe.counts()).accounts).toBe(before + 1);
    const { rows } = await db
      .pool()
      .query(`select count(*)::int as n from host_payment_accounts where user_id = $1`, [me.userId]);
    expect(rows[0].n).toBe(1);
  });

  it("is for hosts only", async () => {
    const driver = await sqlAccount(t, ["driver"], "driver");
    expect((await driver.client.post("/api/v1/hosts/me/payment-account")).status).toBe(403);
    expect((await t.client().get("/api/v1/hosts/me/payment-account")).status).toBe(401);
  });

  it("answers 409 payments_disabled when payments are off, and publishing needs no account then", async () => {
    const me = await sqlAccount(paymentsOff, ["driver", "host"], "host");
    const res = await me.client.post("/api/v1/hosts/me/payment-account");
    expect(res.status).toBe(409);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("payments_disabled");
    expect((await me.client.get("/api/v1/hosts/me/payment-account")).status).toBe(409);
    const { rows } = await db
      .pool()
      .query(`select count(*)::int as n from host_payment_accounts where user_id = $1`, [me.userId]);
    expect(rows[0].n).toBe(0);
    expect((await me.client.post("/api/v1/spaces", validSpaceBody())).status).toBe(201);
  });
});
