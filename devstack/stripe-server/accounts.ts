// Connect accounts (Express, Standard, Custom) and account links. Onboarding is finished by opening
// the link's URL (GET /_test/onboarding/:token): the account becomes able to take charges and be paid
// out, `account.updated` is sent, and the browser is sent on to the link's return_url.
import { z } from "zod";
import type { AddRoute } from "./api.ts";
import { invalidRequest, noSuchObject } from "./errors.ts";
import { metadataParam } from "./params.ts";
import { type Account, newId, unixNow, type World } from "./store.ts";

const capabilityRequest = z.object({ requested: z.enum(["true", "false"]).optional() }).strict();

const createAccount = z
  .object({
    type: z.enum(["express", "standard", "custom"]).default("express"),
    country: z.string().length(2).default("ES"),
    email: z.string().email().optional(),
    business_type: z.enum(["individual", "company", "non_profit", "government_entity"]).optional(),
    default_currency: z.string().length(3).optional(),
    capabilities: z.record(z.string(), capabilityRequest).optional(),
    metadata: metadataParam,
    expand: z.array(z.string()).optional(),
  })
  .strict();

const updateAccount = z.object({ metadata: metadataParam, expand: z.array(z.string()).optional() }).strict();

const createLink = z
  .object({
    account: z.string().min(1),
    type: z.enum(["account_onboarding", "account_update"]),
    refresh_url: z.url().optional(),
    return_url: z.url().optional(),
    collect: z.string().optional(),
    expand: z.array(z.string()).optional(),
  })
  .strict();

const retrieve = z.object({ expand: z.array(z.string()).optional() }).strict();

/** A link's URL carries no key, so its token finds the world and the account. */
export interface OnboardingLink {
  world: World;
  account: string;
  returnUrl: string | undefined;
  expiresAt: number;
}

const STARTING_REQUIREMENTS = ["external_account", "individual.dob.day", "tos_acceptance.date"];

export function findAccount(world: World, id: string, param = "account"): Account {
  const account = world.accounts.get(id);
  if (!account) throw noSuchObject("account", id, param);
  return account;
}

export function addAccountRoutes(route: AddRoute, links: Map<string, OnboardingLink>) {
  route("POST", "/v1/accounts", (request) => {
    const params = request.parse(createAccount);
    const account: Account = {
      id: newId("acct", 16),
      object: "account",
      type: params.type,
      country: params.country.toUpperCase(),
      email: params.email ?? null,
      default_currency: params.default_currency?.toLowerCase() ?? "eur",
      business_type: params.business_type ?? null,
      capabilities: Object.fromEntries(
        Object.entries(params.capabilities ?? {})
          .filter(([, c]) => c.requested === "true")
          .map(([name]) => [name, "inactive" as const]),
      ),
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      requirements: {
        currently_due: [...STARTING_REQUIREMENTS],
        eventually_due: [...STARTING_REQUIREMENTS],
        past_due: [],
        disabled_reason: "requirements.past_due",
      },
      metadata: params.metadata ?? {},
      created: unixNow(),
    };
    request.world.accounts.set(account.id, account);
    request.world.counts.accounts++;
    return account;
  });

  route("GET", "/v1/accounts/:id", (request) => {
    request.parse(retrieve);
    return findAccount(request.world, request.path.id ?? "", "id");
  });

  route("POST", "/v1/accounts/:id", (request) => {
    const params = request.parse(updateAccount);
    const account = findAccount(request.world, request.path.id ?? "", "id");
    const previous = { metadata: { ...account.metadata } };
    if (params.metadata) account.metadata = { ...account.metadata, ...params.metadata };
    request.emit("account.updated", account, { previous, account: account.id });
    return account;
  });

  route("POST", "/v1/account_links", (request) => {
    const params = request.parse(createLink);
    findAccount(request.world, params.account);
    const token = newId("onb", 32);
    const expiresAt = unixNow() + 300;
    links.set(token, {
      world: request.world,
      account: params.account,
      returnUrl: params.return_url,
      expiresAt,
    });
    request.world.counts.account_links++;
    return {
      object: "account_link",
      created: unixNow(),
      expires_at: expiresAt,
      url: `${request.origin}/_test/onboarding/${token}`,
    };
  });
}

/** Completes onboarding of a link's account; the updated account, or why not. */
export function completeOnboarding(
  link: OnboardingLink | undefined,
  emit: (
    world: World,
    type: string,
    object: unknown,
    previous: Record<string, unknown>,
    account: string,
  ) => void,
): Account {
  if (!link) throw noSuchObject("account link", "(unknown token)", "url");
  if (link.expiresAt < unixNow())
    throw invalidRequest("This account link has expired.", "url", "account_link_expired");
  const account = findAccount(link.world, link.account);
  if (account.charges_enabled && account.payouts_enabled) return account;
  const previous = {
    charges_enabled: account.charges_enabled,
    payouts_enabled: account.payouts_enabled,
    details_submitted: account.details_submitted,
    capabilities: { ...account.capabilities },
    requirements: structuredClone(account.requirements),
  };
  account.charges_enabled = true;
  account.payouts_enabled = true;
  account.details_submitted = true;
  account.capabilities = Object.fromEntries(
    Object.keys(account.capabilities).map((name) => [name, "active" as const]),
  );
  account.requirements = { currently_due: [], eventually_due: [], past_due: [], disabled_reason: null };
  emit(link.world, "account.updated", account, previous, account.id);
  return account;
}
