// /api/v1/payouts: a host pays out from their connected account (one Stripe payout per request, however
// often it is retried under its Idempotency-Key) and reads their payouts; admins read anyone's.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { errors } from "../../../src/errors.ts";
import type { PayoutRecord } from "../../../src/storage/payouts-repository.ts";
import { findPayout, listPayouts } from "../../../src/storage/payouts-repository.ts";
import type { AppEnv, AuthUser } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import {
  PayoutCreate,
  PayoutListQuery,
  PayoutListSchema,
  PayoutParams,
  PayoutSchema,
} from "../host-payment-schemas.ts";
import { idempotencyKeyOf } from "../idempotency-key.ts";
import { decodeListCursor, encodeListCursor } from "../list-cursor.ts";
import { currentUser, requireRole } from "../middleware/authenticate.ts";
import { enabledPayments } from "../payments-gate.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";

const tags = ["payments"];
const hostOnly = { security: bearerSecurity, middleware: requireRole("host") };

const createPayout = createRoute({
  method: "post",
  path: "/payouts",
  operationId: "createPayout",
  tags,
  ...hostOnly,
  summary:
    "Pay out from my connected account to my bank (needs a ready payment account); send an Idempotency-Key",
  request: { body: jsonBody(PayoutCreate) },
  responses: {
    201: jsonResponse(PayoutSchema, "The payout as Stripe took it"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    422: errorResponses[422],
    503: errorResponses[503],
  },
});

const listMyPayouts = createRoute({
  method: "get",
  path: "/payouts",
  operationId: "listPayouts",
  tags,
  ...hostOnly,
  summary: "My payouts, newest first (admins: everyone's, or one host's with hostId)",
  request: { query: PayoutListQuery },
  responses: {
    200: jsonResponse(PayoutListSchema, "A page of payouts; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
  },
});

const getPayout = createRoute({
  method: "get",
  path: "/payouts/{id}",
  operationId: "getPayout",
  tags,
  ...hostOnly,
  summary: "One of my payouts (admins: anyone's)",
  request: { params: PayoutParams },
  responses: {
    200: jsonResponse(PayoutSchema, "The payout"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
  },
});

function toPayoutView(payout: PayoutRecord) {
  return {
    id: payout.id,
    hostId: payout.hostId,
    stripePayoutId: payout.stripePayoutId,
    amount: payout.amount,
    currency: payout.currency,
    status: payout.status,
    failureMessage: payout.failureMessage,
    arrivalAt: payout.arrivalAt?.toISOString() ?? null,
    createdAt: payout.createdAt.toISOString(),
    updatedAt: payout.updatedAt.toISOString(),
  };
}

const isAdmin = (user: AuthUser) => user.roles.includes("admin");

export function payoutRoutes(deps: AppDeps) {
  const { pool } = deps;
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createPayout, async (c) => {
      const payments = enabledPayments(deps);
      const body = c.req.valid("json");
      const payout = await payments.payouts.create(currentUser(c).id, body, idempotencyKeyOf(c));
      return c.json(toPayoutView(payout), 201);
    })
    .openapi(listMyPayouts, async (c) => {
      enabledPayments(deps);
      const user = currentUser(c);
      const query = c.req.valid("query");
      if (query.hostId && !isAdmin(user) && query.hostId !== user.id) {
        throw errors.forbidden("only admins may list another host's payouts");
      }
      const hostId = query.hostId ?? (isAdmin(user) ? undefined : user.id);
      const page = await listPayouts(pool, hostId ? { hostId } : {}, {
        limit: query.limit,
        ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}),
      });
      return c.json(
        {
          payouts: page.payouts.map(toPayoutView),
          nextCursor: page.next ? encodeListCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(getPayout, async (c) => {
      enabledPayments(deps);
      const user = currentUser(c);
      const payout = await findPayout(pool, c.req.valid("param").id);
      // Another host's payout is not found: its existence is not theirs to know.
      if (!payout || (payout.hostId !== user.id && !isAdmin(user))) throw errors.notFound("payout");
      return c.json(toPayoutView(payout), 200);
    });
}
