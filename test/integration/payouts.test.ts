// Hosts' payouts over HTTP against real PostgreSQL and the local Stripe-compatible server: made from
// the host's onboarded connected account, one Stripe payout per Idempotency-Key however often the POST
// is retried (counted on the server), listed and read by their host (another host's is a 404), all
// of them by an admin; refused without a ready account and when payments are off.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { payoutIdFor } from "../../src/payments/payouts.ts";
import { sqlAccount } from "../support/sql-accounts.ts";
import { testStripe } from "../support/stripe-server.ts";
import { followOnboardingLink } from "../support/stripe-webhooks.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const stripe = testStripe();
const t = createTestApp({ PAYMENTS_ENABLED: "true", STRIPE_SECRET_KEY: stripe.key });
const paymentsOff = createTestApp({ PAYMENTS_ENABLED: "false", STRIPE_SECRET_KEY: stripe.key });
/** Payments on, Stripe unreachable (nothing listens on port 1). */
const stripeDown = createTestApp({
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
  STRIPE_API_URL: "http://127.0.0.1:1",
});

/** A host whose account finished onboarding (the second POST reads the account's flags from Stripe). */
async function readyHost() {
  const host = await sqlAccount(t, ["driver", "host"], "host");
  const first = await host.client.post("/api/v1/hosts/me/payment-account");
  await followOnboardingLink(first.body.onboardingUrl);
  const again = await host.client.post("/api/v1/hosts/me/payment-account");
  if (again.body.account.status !== "ready") throw new Error(`not ready: ${JSON.stringify(again.body)}`);
  return { ...host, accountId: again.body.account.stripeAccountId as string };
}

const payoutRows = async (hostId: string) => {
  const { rows } = await t.deps.pool.query(`select count(*)::int as n from payouts where host_id = $1`, [
    hostId,
  ]);
  return rows[0].n as number;
};

describe("payouts", () => {
  it("pays out from the host's connected account, once per Idempotency-Key", async () => {
    const host = await readyHost();
    const before = (await stripe.counts()).payouts ?? 0;
    const key = randomUUID();
    const body = { amount: 4200, currency: "EUR" };
    const created = await host.client.post("/api/v1/payouts", body, { "idempotency-key": key });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: payoutIdFor(host.userId, key),
      hostId: host.userId,
      amount: 4200,
      currency: "EUR",
      status: "paid",
    });
    expect(created.body.stripePayoutId).toMatch(/^po_/);
    const retried = await host.client.post("/api/v1/payouts", body, { "idempotency-key": key });
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(created.body);
    expect((await stripe.counts()).payouts).toBe(before + 1);
    expect(await payoutRows(host.userId)).toBe(1);
    const atStripe = await stripe.stripe.payouts.retrieve(
      created.body.stripePayoutId,
      {},
      { stripeAccount: host.accountId },
    );
    expect(atStripe).toMatchObject({
      amount: 4200,
      currency: "eur",
      metadata: { payoutId: created.body.id },
    });
    // The same key with another body is refused, never a replay of something else.
    const reused = await host.client.post(
      "/api/v1/payouts",
      { ...body, amount: 1 },
      { "idempotency-key": key },
    );
    expect(reused.status).toBe(422);
    expect((await stripe.counts()).payouts).toBe(before + 1);
  });

  it("asks Stripe again under the same key when a retry finds its payout still pending", async () => {
    const host = await readyHost();
    const key = randomUUID();
    // As if the first request died after writing its row and before Stripe answered.
    await t.deps.pool.query(
      `insert into payouts (id, host_id, stripe_account_id, amount, currency, status)
       values ($1, $2, $3, 700, 'EUR', 'pending')`,
      [payoutIdFor(host.userId, key), host.userId, host.accountId],
    );
    const before = (await stripe.counts()).payouts ?? 0;
    const res = await host.client.post(
      "/api/v1/payouts",
      { amount: 700, currency: "EUR" },
      { "idempotency-key": key },
    );
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("paid");
    expect((await stripe.counts()).payouts).toBe(before + 1);
    expect(await payoutRows(host.userId)).toBe(1);
  });

  it("lists and reads a host's own payouts; another host's is a 404; an admin sees all", async () => {
    const host = await readyHost();
    const other = await readyHost();
    const admin = await sqlAccount(t, ["driver", "admin"], "admin");
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) {
      const res = await host.client.post("/api/v1/payouts", { amount, currency: "EUR" });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const page1 = await host.client.get("/api/v1/payouts?limit=2");
    expect(page1.status).toBe(200);
    expect(page1.body.payouts.map((p: { id: string }) => p.id)).toEqual([ids[2], ids[1]]);
    const page2 = await host.client.get(`/api/v1/payouts?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.payouts.map((p: { id: string }) => p.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    expect((await host.client.get(`/api/v1/payouts/${ids[0]}`)).body.amount).toBe(100);
    const foreign = await other.client.get(`/api/v1/payouts/${ids[0]}`);
    expect(foreign.status).toBe(404);
    expectErrorShape(foreign.body);
    expect((await other.client.get("/api/v1/payouts")).body.payouts).toEqual([]);
    expect((await other.client.get(`/api/v1/payouts?hostId=${host.userId}`)).status).toBe(403);

    expect((await admin.client.get(`/api/v1/payouts/${ids[0]}`)).status).toBe(200);
    const byAdmin = await admin.client.get(`/api/v1/payouts?hostId=${host.userId}`);
    expect(byAdmin.body.payouts.map((p: { id: string }) => p.id)).toEqual([...ids].reverse());
  });

  it("refuses a host without a ready account, bad input and a driver, writing nothing", async () => {
    const host = await sqlAccount(t, ["driver", "host"], "host");
    const before = (await stripe.counts()).payouts ?? 0;
    const notReady = await host.client.post("/api/v1/payouts", { amount: 100, currency: "EUR" });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error.code).toBe("payment_account_not_ready");
    for (const body of [
      { amount: 0, currency: "EUR" },
      { amount: 1.5, currency: "EUR" },
      { amount: 100, currency: "eur" },
      { amount: 100 },
      { amount: 100, currency: "EUR", extra: true },
    ]) {
      const res = await host.client.post("/api/v1/payouts", body);
      expect(res.status).toBe(400);
      expectErrorShape(res.body);
    }
    expect((await host.client.get("/api/v1/payouts/not-a-uuid")).status).toBe(400);
    const driver = await sqlAccount(t, ["driver"], "driver");
    expect((await driver.client.post("/api/v1/payouts", { amount: 100, currency: "EUR" })).status).toBe(403);
    expect(await payoutRows(host.userId)).toBe(0);
    expect((await stripe.counts()).payouts).toBe(before);
  });

  it("answers 409 payments_disabled when payments are off", async () => {
    const host = await sqlAccount(paymentsOff, ["driver", "host"], "host");
    const res = await host.client.post("/api/v1/payouts", { amount: 100, currency: "EUR" });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("payments_disabled");
    expect((await host.client.get("/api/v1/payouts")).status).toBe(409);
  });

  it("answers 503 when Stripe cannot be reached, the payout kept pending for the retry", async () => {
    const host = await sqlAccount(stripeDown, ["driver", "host"], "host");
    const onboarding = await host.client.post("/api/v1/hosts/me/payment-account");
    expect(onboarding.status).toBe(503);
    expect(onboarding.body.error.code).toBe("payment_provider_unavailable");
    await t.deps.pool.query(
      `insert into host_payment_accounts (user_id, stripe_account_id, charges_enabled, payouts_enabled, details_submitted)
       values ($1, $2, true, true, true)`,
      [host.userId, `acct_${host.userId.replaceAll("-", "").slice(0, 16)}`],
    );
    const key = randomUUID();
    const res = await host.client.post(
      "/api/v1/payouts",
      { amount: 300, currency: "EUR" },
      { "idempotency-key": key },
    );
    expect(res.status).toBe(503);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("payment_provider_unavailable");
    const { rows } = await t.deps.pool.query(`select id, status from payouts where host_id = $1`, [
      host.userId,
    ]);
    expect(rows).toEqual([{ id: payoutIdFor(host.userId, key), status: "pending" }]);
  }, 20_000);
});
