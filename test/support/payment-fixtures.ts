// Paid spaces for payment tests: a host whose Stripe Connect account finished onboarding on the local
// Stripe-compatible server (the account row as the onboarding webhook leaves it), then an open space.
import type { Pool } from "../../src/storage/postgres.ts";
import { OPEN_SPACE } from "./booking-fixtures.ts";
import { validSpaceBody } from "./space-fixtures.ts";
import type { TestStripe } from "./stripe-server.ts";
import type { TestApp } from "./test-app.ts";

export async function onboardHost(t: TestApp, stripe: TestStripe, hostId: string): Promise<string> {
  return onboardHostIn(t.deps.pool, stripe, hostId);
}

/** The same, for suites that hold a pool but no in-process app (gateway processes). */
export async function onboardHostIn(pool: Pool, stripe: TestStripe, hostId: string): Promise<string> {
  const account = await stripe.onboardedAccount();
  await pool.query(
    `insert into host_payment_accounts (user_id, stripe_account_id, charges_enabled, payouts_enabled, details_submitted)
     values ($1, $2, true, true, true)`,
    [hostId, account.id],
  );
  return account.id;
}

export async function paidSpace(t: TestApp, stripe: TestStripe, overrides: Record<string, unknown> = {}) {
  const host = await t.signUp("host");
  const accountId = await onboardHost(t, stripe, host.userId);
  const res = await host.client.post("/api/v1/spaces", validSpaceBody({ ...OPEN_SPACE, ...overrides }));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { host, accountId, spaceId: res.body.id as string };
}
