// POST /api/v1/webhooks/stripe: Stripe's events, verified on the raw body with the endpoint's secret
// (STRIPE_WEBHOOK_SECRET, 5 minutes' tolerance), recorded once per event id with their outbox row in
// one transaction; the outbox relay then hands each to its handlers (src/payments/*-handler.ts).
// Refused (400, nothing written): no signature, a wrong one, or one older than the tolerance.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import Stripe from "stripe";
import { AppError } from "../../../src/errors.ts";
import { recordStripeEvent } from "../../../src/storage/stripe-events-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { StripeEventSchema, StripeSignatureHeaders } from "../host-payment-schemas.ts";
import { anyone, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";

/** Seconds a signature stays good (Stripe's default): an older delivery is refused as a replay. */
export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Reads the body as text before the body's validator parses it: the signature covers the exact
 * bytes, and once parsed as JSON first the request would hand back a re-serialization.
 */
const keepRawBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  await c.req.text();
  await next();
};

const receiveStripeEvent = createRoute({
  method: "post",
  path: "/webhooks/stripe",
  operationId: "receiveStripeEvent",
  tags: ["webhooks"],
  security: anyone,
  middleware: keepRawBody,
  summary:
    "Stripe's events (signed with the endpoint's secret); each event id is taken once, a redelivery answers 200 and adds nothing",
  request: { headers: StripeSignatureHeaders, body: jsonBody(StripeEventSchema) },
  responses: {
    200: jsonResponse(
      z.object({ received: z.literal(true), duplicate: z.boolean() }).openapi("StripeEventReceived"),
      "Taken (or taken before: duplicate)",
    ),
    400: errorResponses[400],
    409: errorResponses[409],
    413: errorResponses[413],
  },
});

const invalidSignature = (why: string) => new AppError("invalid_signature", 400, why);

export function stripeWebhookRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(receiveStripeEvent, async (c) => {
    const secret = deps.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw new AppError("payments_disabled", 409, "no Stripe webhook secret is configured");
    const signature = c.req.header("stripe-signature");
    if (!signature) throw invalidSignature("the Stripe-Signature header is missing");
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(
        await c.req.text(),
        signature,
        secret,
        STRIPE_SIGNATURE_TOLERANCE_SECONDS,
      );
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw invalidSignature(`the Stripe signature does not verify: ${error.message}`);
      }
      throw error;
    }
    const isNew = await recordStripeEvent(deps.pool, event);
    return c.json({ received: true as const, duplicate: !isNew }, 200);
  });
}
