// Payouts: from the platform's balance, or with `Stripe-Account: acct_…` from a connected account's
// (which must have finished onboarding). Paid at once; listed and retrieved per balance owner.
import { z } from "zod";
import { findAccount } from "./accounts.ts";
import type { AddRoute, ApiRequest } from "./api.ts";
import { invalidRequest, noSuchObject } from "./errors.ts";
import { listObject, listParams } from "./list.ts";
import { amountParam, currencyParam, expandParam, metadataParam } from "./params.ts";
import { newId, type Payout, unixNow } from "./store.ts";

const createPayout = z
  .object({
    amount: amountParam.refine((a) => a >= 1, "must be at least 1"),
    currency: currencyParam,
    description: z.string().optional(),
    method: z.enum(["standard", "instant"]).default("standard"),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

const listPayouts = z
  .object({
    ...listParams,
    status: z.enum(["paid", "pending", "in_transit", "canceled", "failed"]).optional(),
  })
  .strict();

/** Whose balance the call is about: the `Stripe-Account` header's account, or the platform. */
function owner(request: ApiRequest): string {
  if (!request.stripeAccount) return "platform";
  findAccount(request.world, request.stripeAccount, "Stripe-Account");
  return request.stripeAccount;
}

export function addPayoutRoutes(route: AddRoute) {
  route("POST", "/v1/payouts", (request) => {
    const params = request.parse(createPayout);
    const payer = owner(request);
    if (payer !== "platform" && !request.world.accounts.get(payer)?.payouts_enabled) {
      throw invalidRequest(`Payouts are not enabled for account ${payer}.`, undefined, "payouts_not_allowed");
    }
    const created = unixNow();
    const payout: Payout = {
      id: newId("po"),
      object: "payout",
      amount: params.amount,
      arrival_date: created + 2 * 86_400,
      created,
      currency: params.currency,
      description: params.description ?? null,
      destination: newId("ba"),
      metadata: params.metadata ?? {},
      method: params.method,
      status: "paid",
      type: "bank_account",
    };
    request.world.payouts.set(payout.id, { owner: payer, payout });
    request.world.counts.payouts++;
    return payout;
  });

  route("GET", "/v1/payouts", (request) => {
    const params = request.parse(listPayouts);
    const payer = owner(request);
    const payouts = [...request.world.payouts.values()]
      .filter((p) => p.owner === payer && (!params.status || p.payout.status === params.status))
      .map((p) => p.payout);
    return listObject(payouts, params, "/v1/payouts");
  });

  route("GET", "/v1/payouts/:id", (request) => {
    request.parse(z.object({ expand: expandParam }).strict());
    const found = request.world.payouts.get(request.path.id ?? "");
    if (!found || found.owner !== owner(request)) throw noSuchObject("payout", request.path.id ?? "");
    return found.payout;
  });
}
