// /api/v1/payments and /api/v1/commissions: a driver pays a booking that waits for payment (its card
// authorized; the space's actor is told the outcome), reads their payments; an admin refunds beyond
// the policy; the space's host or an admin reads a booking's commission. Captures, releases and the
// policy's refunds are not routes: they follow the booking's events (src/jobs/booking-payments-handler.ts).
// With payments off every route answers 409 payments_disabled.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { AppError, errors } from "../../../src/errors.ts";
import { commissionOf } from "../../../src/payments/commission.ts";
import { findBookingRecord } from "../../../src/storage/bookings-repository.ts";
import {
  findPayment,
  listDriverPayments,
  type PaymentRecord,
  paymentsOfBooking,
} from "../../../src/storage/payments-repository.ts";
import type { AppEnv, AuthUser } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { decodeListCursor, encodeListCursor } from "../list-cursor.ts";
import { currentUser, requireAuth, requireRole } from "../middleware/authenticate.ts";
import {
  CommissionParams,
  CommissionSchema,
  PaymentListQuery,
  PaymentListSchema,
  PaymentParams,
  PaymentProcess,
  PaymentProcessed,
  PaymentRefund,
  PaymentSchema,
  PaymentUserParams,
} from "../payment-schemas.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";

const tags = ["payments"];
const signedIn = { security: bearerSecurity, middleware: requireAuth };

const processPayment = createRoute({
  method: "post",
  path: "/payments/process",
  operationId: "processPayment",
  tags,
  security: bearerSecurity,
  middleware: requireRole("driver"),
  summary:
    "The driver pays a booking that waits for payment: the card is authorized (captured once the booking is confirmed); 200 with the payment (authorized, or failed for a refused card) and the booking's status; 409 not_awaiting_payment / host_cannot_take_payments / payment_exists / payments_disabled",
  request: { body: jsonBody(PaymentProcess) },
  responses: {
    200: jsonResponse(PaymentProcessed, "The payment as it stands"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
    503: errorResponses[503],
  },
});

const getPayment = createRoute({
  method: "get",
  path: "/payments/{id}",
  operationId: "getPayment",
  tags,
  ...signedIn,
  summary: "One payment (its driver, the space's host, or an admin)",
  request: { params: PaymentParams },
  responses: {
    200: jsonResponse(PaymentSchema, "The payment"),
    400: errorResponses[400],
    401: errorResponses[401],
    404: errorResponses[404],
  },
});

const refundPayment = createRoute({
  method: "post",
  path: "/payments/{id}/refund",
  operationId: "refundPayment",
  tags,
  security: bearerSecurity,
  middleware: requireRole("admin"),
  summary:
    "An admin refunds part or all of a captured payment beyond the cancellation policy (a dispute's outcome); 409 refund_too_large",
  request: { params: PaymentParams, body: jsonBody(PaymentRefund) },
  responses: {
    200: jsonResponse(PaymentSchema, "The payment after the refund"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
    503: errorResponses[503],
  },
});

const listUserPayments = createRoute({
  method: "get",
  path: "/payments/user/{userId}",
  operationId: "listUserPayments",
  tags,
  ...signedIn,
  summary: "A driver's payments, newest first (the driver themself or an admin)",
  request: { params: PaymentUserParams, query: PaymentListQuery },
  responses: {
    200: jsonResponse(PaymentListSchema, "A page; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const getCommission = createRoute({
  method: "get",
  path: "/commissions/{bookingId}",
  operationId: "getCommission",
  tags,
  ...signedIn,
  summary: "The platform's commission on a booking and what its host earns (the space's host or an admin)",
  request: { params: CommissionParams },
  responses: {
    200: jsonResponse(CommissionSchema, "The commission"),
    400: errorResponses[400],
    401: errorResponses[401],
    404: errorResponses[404],
  },
});

const isAdmin = (user: AuthUser) => user.roles.includes("admin");

function paymentView(payment: PaymentRecord) {
  const {
    intentId,
    driverId: _driver,
    hostId: _host,
    destination: _destination,
    paymentMethod: _pm,
    ...rest
  } = payment;
  return { ...rest, paymentIntentId: intentId };
}

export function paymentRoutes(deps: AppDeps) {
  const { pool } = deps;
  const payments = () => {
    if (deps.payments === undefined) {
      throw new AppError("payments_disabled", 409, "payments are not enabled on this deployment");
    }
    return deps.payments;
  };
  /** Stripe unreachable or refusing the platform: a 503 to retry, not a 500. */
  const viaStripe = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      deps.logger.warn({ err: error }, "payment provider call failed");
      throw new AppError(
        "payment_provider_unavailable",
        503,
        "the payment provider could not be reached; retry",
      );
    }
  };

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(processPayment, async (c) => {
      const user = currentUser(c);
      const body = c.req.valid("json");
      const service = payments();
      const payment = await viaStripe(() => service.pay(user.id, body.bookingId, body.paymentMethodId));
      const booking = await findBookingRecord(pool, body.bookingId);
      return c.json({ ...paymentView(payment), bookingStatus: booking?.status ?? "unknown" }, 200);
    })
    .openapi(getPayment, async (c) => {
      const user = currentUser(c);
      const payment = await findPayment(pool, c.req.valid("param").id);
      // Someone else's payment is as absent as a missing one.
      if (
        payment === undefined ||
        (payment.driverId !== user.id && payment.hostId !== user.id && !isAdmin(user))
      ) {
        throw errors.notFound("payment");
      }
      return c.json(paymentView(payment), 200);
    })
    .openapi(refundPayment, async (c) => {
      const { id } = c.req.valid("param");
      const { amount, reason } = c.req.valid("json");
      const service = payments();
      return c.json(paymentView(await viaStripe(() => service.refund(id, amount, reason))), 200);
    })
    .openapi(listUserPayments, async (c) => {
      const user = currentUser(c);
      const { userId } = c.req.valid("param");
      if (userId !== user.id && !isAdmin(user)) {
        throw errors.forbidden("only admins may list another user's payments");
      }
      const query = c.req.valid("query");
      const page = await listDriverPayments(pool, userId, {
        limit: query.limit,
        ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}),
      });
      return c.json(
        {
          payments: page.payments.map(paymentView),
          nextCursor: page.next ? encodeListCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(getCommission, async (c) => {
      const user = currentUser(c);
      const { bookingId } = c.req.valid("param");
      const booking = await findBookingRecord(pool, bookingId);
      if (booking === undefined || (booking.hostId !== user.id && !isAdmin(user))) {
        throw errors.notFound("booking");
      }
      const commission = commissionOf(await paymentsOfBooking(pool, bookingId));
      return c.json(
        { bookingId, currency: booking.currency, totalAmount: booking.totalAmount, ...commission },
        200,
      );
    });
}
