// /api/v1/hosts/me/payment-account: a host's Stripe Connect account, made on the first POST (each POST
// answers a fresh onboarding link), and its status: none, onboarding or ready, with what is missing.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { paymentAccountView } from "../../../src/payments/host-accounts.ts";
import { withStripe } from "../../../src/payments/stripe-errors.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { PaymentAccountOnboardingSchema, PaymentAccountSchema } from "../host-payment-schemas.ts";
import { currentUser, requireRole } from "../middleware/authenticate.ts";
import { enabledPayments } from "../payments-gate.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../schemas.ts";

const tags = ["payments"];
const hostOnly = { security: bearerSecurity, middleware: requireRole("host") };

const onboardPaymentAccount = createRoute({
  method: "post",
  path: "/hosts/me/payment-account",
  operationId: "onboardPaymentAccount",
  tags,
  ...hostOnly,
  summary:
    "Make my Stripe Connect (Express) account the first time, and answer its status with a fresh onboarding link",
  responses: {
    200: jsonResponse(
      PaymentAccountOnboardingSchema,
      "The account and a link to finish onboarding at Stripe",
    ),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    503: errorResponses[503],
  },
});

const getPaymentAccount = createRoute({
  method: "get",
  path: "/hosts/me/payment-account",
  operationId: "getPaymentAccount",
  tags,
  ...hostOnly,
  summary: "My payment account's status: none, onboarding or ready, and what is missing",
  responses: {
    200: jsonResponse(PaymentAccountSchema, "The account's status"),
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
  },
});

export function paymentAccountRoutes(deps: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(onboardPaymentAccount, async (c) => {
      const payments = enabledPayments(deps);
      const { account, link } = await withStripe(() => payments.accounts.onboard(currentUser(c).id));
      return c.json(
        {
          account: paymentAccountView(account),
          onboardingUrl: link.url,
          onboardingExpiresAt: link.expiresAt,
        },
        200,
      );
    })
    .openapi(getPaymentAccount, async (c) => {
      const payments = enabledPayments(deps);
      return c.json(paymentAccountView(await payments.accounts.find(deps.pool, currentUser(c).id)), 200);
    });
}
