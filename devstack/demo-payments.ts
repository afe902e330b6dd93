// The demo hosts' Stripe Connect accounts, when payments are configured: against the local
// Stripe-compatible server (STRIPE_API_URL) each host's account is made and its onboarding link
// followed at seed time, so the demo's spaces can be booked with payments at once; against Stripe
// itself, onboarding is the host's to finish, so each not-ready host's link is answered for printing.
// Idempotent: a host whose account is ready is left alone.
import type { Config } from "../src/config/index.ts";
import { paymentAccountReadiness } from "../src/domain/payment-account-status.ts";
import { HostPaymentAccounts } from "../src/payments/host-accounts.ts";
import { createStripeClient } from "../src/payments/stripe-client.ts";
import { findPaymentAccount } from "../src/storage/payment-accounts-repository.ts";
import type { Pool } from "../src/storage/postgres.ts";
import { findUserByEmail } from "../src/storage/users-repository.ts";
import { demoAccounts } from "./demo-data.ts";

export interface DemoOnboarding {
  /** Hosts onboarded now (local server). */
  onboarded: number;
  /** Hosts that were ready already. */
  ready: number;
  /** Real Stripe: each not-ready host's onboarding link, to open by hand. */
  links: { email: string; url: string }[];
}

export async function onboardDemoHosts(
  pool: Pool,
  config: Pick<Config, "STRIPE_SECRET_KEY" | "STRIPE_API_URL" | "PUBLIC_URL">,
): Promise<DemoOnboarding | undefined> {
  if (!config.STRIPE_SECRET_KEY) return undefined;
  const stripe = createStripeClient(config);
  const accounts = new HostPaymentAccounts(pool, stripe, config.PUBLIC_URL);
  const outcome: DemoOnboarding = { onboarded: 0, ready: 0, links: [] };
  for (const email of demoAccounts().hosts) {
    const user = await findUserByEmail(pool, email);
    if (!user) continue;
    if (paymentAccountReadiness(await findPaymentAccount(pool, user.id)).status === "ready") {
      outcome.ready += 1;
      continue;
    }
    if (!config.STRIPE_API_URL) {
      const { link } = await accounts.onboard(user.id);
      outcome.links.push({ email, url: link.url });
      continue;
    }
    await onboardOnLocalServer(accounts, user.id, email);
    outcome.onboarded += 1;
  }
  return outcome;
}

/**
 * A host's account made and onboarded on the local Stripe-compatible server, which finishes
 * onboarding when its link is opened, as a host's browser would; throws unless the host is then ready.
 */
export async function onboardOnLocalServer(
  accounts: HostPaymentAccounts,
  userId: string,
  who: string,
): Promise<void> {
  const { account, link } = await accounts.onboard(userId);
  const opened = await fetch(link.url, { redirect: "manual" });
  if (opened.status !== 302) throw new Error(`onboarding link of ${who} answered ${opened.status}`);
  const synced = await accounts.sync(account.stripeAccountId);
  if (paymentAccountReadiness(synced).status !== "ready")
    throw new Error(`${who} is not ready after onboarding`);
}

/** One line (or a list of links) for the start-up output. */
export function describeDemoOnboarding(outcome: DemoOnboarding | undefined): string {
  if (!outcome) return "demo hosts: no payment accounts (no STRIPE_SECRET_KEY)";
  const lines = [
    `demo hosts' payment accounts: ${outcome.onboarded} onboarded now, ${outcome.ready} ready before`,
  ];
  if (outcome.links.length > 0) {
    lines.push("open each demo host's Stripe onboarding link to finish it (test data works):");
    for (const { email, url } of outcome.links) lines.push(`  ${email}  ${url}`);
  }
  return lines.join("\n");
}
