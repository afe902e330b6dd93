// /api/v1/bookings: drivers request a space's time and the space's actor decides (confirmed, pending
// the host's approval, or 409 slot_unavailable); hosts approve or reject; either side cancels; the
// driver extends. Every change goes through the space actor, which commits to PostgreSQL before it
// answers; reads come straight from PostgreSQL, each with its ownership check.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Answer } from "../../../actors/runtime/index.ts";
import { takesPendingPlace } from "../../../actors/space/index.ts";
import { type BookingAction, mayActOnBooking, refusalMessage } from "../../../src/domain/index.ts";
import { AppError, errors } from "../../../src/errors.ts";
import {
  type BookingRecord,
  bookingHistory,
  findBookingRecord,
  listBookings,
} from "../../../src/storage/bookings-repository.ts";
import type { AppEnv, AuthUser } from "../app-env.ts";
import {
  BookingCreate,
  BookingExtend,
  BookingListQuery,
  BookingListSchema,
  BookingParams,
  BookingReason,
  BookingSchema,
  BookingWithHistorySchema,
  SpaceBookingsParams,
  UserParams,
} from "../booking-schemas.ts";
import { toBookingDetail } from "../booking-view.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { commandFingerprint, idempotencyKeyOf } from "../idempotency-key.ts";
import { decodeListCursor, encodeListCursor } from "../list-cursor.ts";
import { currentUser, requireAuth, requireRole } from "../middleware/authenticate.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { bookingIdFor, commandIdFor } from "../space-commands.ts";

const tags = ["bookings"];
const signedIn = { security: bearerSecurity, middleware: requireAuth };

const commandErrors = {
  400: errorResponses[400],
  401: errorResponses[401],
  403: errorResponses[403],
  404: errorResponses[404],
  409: errorResponses[409],
  422: errorResponses[422],
} as const;

const createBooking = createRoute({
  method: "post",
  path: "/bookings",
  operationId: "createBooking",
  tags,
  security: bearerSecurity,
  middleware: requireRole("driver"),
  summary:
    "Request a space's time: 201 confirmed (instant space) or pending_approval (request-to-book, with expiresAt); 409 slot_unavailable / too_many_pending_requests; 422 outside_schedule / too_short / too_long / too_soon / beyond_horizon / invalid_window; 429 over the requests per minute",
  request: { body: jsonBody(BookingCreate) },
  responses: {
    201: jsonResponse(BookingSchema, "Decided and recorded"),
    ...commandErrors,
    429: errorResponses[429],
  },
});

const listMine = createRoute({
  method: "get",
  path: "/bookings",
  operationId: "listMyBookings",
  tags,
  ...signedIn,
  summary: "My bookings as a driver, newest first",
  request: { query: BookingListQuery },
  responses: {
    200: jsonResponse(BookingListSchema, "A page; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const listForUser = createRoute({
  method: "get",
  path: "/users/{userId}/bookings",
  operationId: "listUserBookings",
  tags,
  ...signedIn,
  summary: "A driver's bookings, newest first (the driver themself or an admin)",
  request: { params: UserParams, query: BookingListQuery },
  responses: {
    200: jsonResponse(BookingListSchema, "A page; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const listForSpace = createRoute({
  method: "get",
  path: "/spaces/{id}/bookings",
  operationId: "listSpaceBookings",
  tags,
  ...signedIn,
  summary: "A space's bookings, newest first (its host or an admin)",
  request: { params: SpaceBookingsParams, query: BookingListQuery },
  responses: {
    200: jsonResponse(BookingListSchema, "A page; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
  },
});

const getBooking = createRoute({
  method: "get",
  path: "/bookings/{id}",
  operationId: "getBooking",
  tags,
  ...signedIn,
  summary: "One booking with its status history (its driver, the space's host, or an admin)",
  request: { params: BookingParams },
  responses: {
    200: jsonResponse(BookingWithHistorySchema, "The booking"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
  },
});

const statusRoute = (action: "approve" | "reject" | "cancel", summary: string) =>
  createRoute({
    method: "put",
    path: `/bookings/{id}/${action}`,
    operationId: `${action}Booking`,
    tags,
    ...signedIn,
    summary,
    request: {
      params: BookingParams,
      body: { required: false, content: { "application/json": { schema: BookingReason } } },
    },
    responses: { 200: jsonResponse(BookingSchema, "Decided and recorded"), ...commandErrors },
  });

const approveBooking = statusRoute("approve", "The space's host accepts a pending request");
const rejectBooking = statusRoute(
  "reject",
  "The space's host turns a pending request down; the slot reopens",
);
const cancelBooking = statusRoute("cancel", "The driver or the space's host cancels; the slot reopens");

const extendBooking = createRoute({
  method: "put",
  path: "/bookings/{id}/extend",
  operationId: "extendBooking",
  tags,
  ...signedIn,
  summary: "The driver moves the end later; the extra time must be open and free",
  request: { params: BookingParams, body: jsonBody(BookingExtend) },
  responses: { 200: jsonResponse(BookingSchema, "Decided and recorded"), ...commandErrors },
});

const isAdmin = (user: AuthUser) => user.roles.includes("admin");

const COMMAND_PATH = /^\/api\/v1\/bookings(\/[^/]+\/(approve|reject|cancel|extend))?$/;

/** The routes whose Idempotency-Key the space actor keeps with its decision (no generic key store). */
export function isBookingCommand(method: string, path: string): boolean {
  const match = COMMAND_PATH.exec(path);
  if (match === null) return false;
  return match[1] === undefined ? method === "POST" : method === "PUT";
}

/** Who may do what to a booking (the one rule, src/domain/booking-access.ts); 403 before the actor. */
function assertMay(user: AuthUser, booking: BookingRecord, action: BookingAction) {
  if (!mayActOnBooking(user, booking, action)) throw errors.forbidden(refusalMessage(action));
}

/** The answer to a booking command: a replay says so, as a replay from the generic key store does. */
function answer<T>(c: Context<AppEnv>, reply: Answer<T>): T {
  if (reply.replayed) c.header("Idempotent-Replayed", "true");
  return reply.value;
}

/** Refusals after which the request's reserved place is not given back (see createBooking). */
const KEEPS_PLACE: ReadonlySet<string> = new Set(["idempotency_in_flight", "idempotency_key_reused"]);

export function bookingRoutes(deps: AppDeps) {
  const { pool, spaceCommands, bookingAdmission, config } = deps;

  /**
   * Counts the driver's request (429 past BOOKING_COMMANDS_PER_MINUTE) and, for a space whose
   * requests wait for approval, reserves the request's place among the driver's pending ones (409
   * past BOOKING_PENDING_PER_DRIVER): one Redis call. True when a place was reserved.
   */
  const admit = async (driverId: string, spaceId: string, bookingId: string): Promise<boolean> => {
    const waits = (await spaceCommands.space(spaceId)).bookingMode === "request";
    const admission = await bookingAdmission.admit(driverId, waits ? bookingId : null);
    if (admission.ok) return waits;
    if (admission.reason === "rate_limited") {
      throw errors.rateLimited(Math.max(1, Math.ceil(admission.retryAfterMs / 1000)));
    }
    throw new AppError(
      "too_many_pending_requests",
      409,
      `at most ${config.BOOKING_PENDING_PER_DRIVER} requests may wait for hosts' approval at once; wait for an answer or cancel one`,
      { pendingLimit: config.BOOKING_PENDING_PER_DRIVER },
    );
  };

  const loadBooking = async (id: string) => {
    const booking = await findBookingRecord(pool, id);
    if (!booking) throw errors.notFound("booking");
    return booking;
  };

  const page = async (
    filter: { driverId: string } | { spaceId: string },
    query: { limit: number; cursor?: string | undefined; status?: string | undefined },
  ) => {
    const result = await listBookings(pool, filter, {
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}),
    });
    return {
      bookings: result.bookings.map(toBookingDetail),
      nextCursor: result.next ? encodeListCursor(result.next) : null,
    };
  };

  /**
   * A person's command about one booking, sent to its space's actor. Under an Idempotency-Key the
   * actor keeps the key with the decision (the command id and the request's fingerprint), so a
   * retry gets the first answer and another request under the key 422, with no store of our own.
   */
  const change = async (
    c: Context<AppEnv>,
    id: string,
    action: "approve" | "reject" | "cancel" | "extend",
    extra: { reason?: string | undefined; end?: number },
  ) => {
    const user = currentUser(c);
    const key = idempotencyKeyOf(c);
    const booking = await loadBooking(id);
    assertMay(user, booking, action);
    const parameters =
      action === "extend"
        ? { bookingId: id, end: extra.end! }
        : { bookingId: id, reason: extra.reason ?? null };
    const command =
      action === "extend"
        ? { type: "extend" as const, bookingId: id, by: user.id, end: extra.end! }
        : { type: action, bookingId: id, by: user.id, ...(extra.reason ? { reason: extra.reason } : {}) };
    const reply = await spaceCommands.send(booking.spaceId, command, {
      commandId: commandIdFor(user.id, key),
      fingerprint: key === undefined ? undefined : commandFingerprint(action, parameters),
    });
    const changed = answer(c, reply);
    if (changed === null) throw errors.notFound("booking");
    return changed;
  };

  const reasonOf = async (c: Context<AppEnv>) => {
    // The body is optional: none, or {reason}.
    const text = await c.req.text();
    if (text.trim() === "") return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw errors.validation("invalid JSON body");
    }
    const parsed = BookingReason.safeParse(json);
    if (!parsed.success) throw errors.validation("invalid body", parsed.error.issues);
    return parsed.data.reason;
  };

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createBooking, async (c) => {
      const user = currentUser(c);
      const body = c.req.valid("json");
      const key = idempotencyKeyOf(c);
      const commandId = commandIdFor(user.id, key);
      const bookingId = bookingIdFor(commandId);
      const reserved = await admit(user.id, body.spaceId, bookingId);
      const request = {
        spaceId: body.spaceId,
        start: Date.parse(body.start),
        end: Date.parse(body.end),
        vehicle: body.vehicle ?? null,
        specialRequests: body.specialRequests ?? null,
      };
      const sent = spaceCommands.send(
        body.spaceId,
        {
          type: "requestBooking",
          bookingId,
          driverId: user.id,
          start: request.start,
          end: request.end,
          ...(body.vehicle ? { vehicle: body.vehicle } : {}),
          ...(body.specialRequests ? { specialRequests: body.specialRequests } : {}),
        },
        { commandId, fingerprint: key === undefined ? undefined : commandFingerprint("request", request) },
      );
      const reply = await sent.catch(async (error: unknown) => {
        // A refusal committed nothing: the place goes back. A request still unanswered (in flight,
        // timed out) keeps it until the reservation lapses, as it may yet be decided; a reused key's
        // place is the first request's.
        if (reserved && error instanceof AppError && error.status < 500 && !KEEPS_PLACE.has(error.code)) {
          await bookingAdmission.release(user.id, bookingId);
        }
        throw error;
      });
      // Decided at once (confirmed on a space switched to instant meanwhile): nothing waits.
      if (reserved && (reply.value === null || !takesPendingPlace(reply.value.status, "request"))) {
        await bookingAdmission.release(user.id, bookingId);
      }
      const booking = answer(c, reply);
      if (booking === null) throw errors.internal("the space actor answered a request without a booking");
      return c.json(booking, 201);
    })
    .openapi(listMine, async (c) => {
      const user = currentUser(c);
      return c.json(await page({ driverId: user.id }, c.req.valid("query")), 200);
    })
    .openapi(listForUser, async (c) => {
      const user = currentUser(c);
      const { userId } = c.req.valid("param");
      if (userId !== user.id && !isAdmin(user))
        throw errors.forbidden("only admins may list another user's bookings");
      return c.json(await page({ driverId: userId }, c.req.valid("query")), 200);
    })
    .openapi(listForSpace, async (c) => {
      const user = currentUser(c);
      const { id: spaceId } = c.req.valid("param");
      const space = await spaceCommands.space(spaceId);
      if (space.hostId !== user.id && !isAdmin(user)) {
        throw errors.forbidden("only the space's host or an admin may list its bookings");
      }
      return c.json(await page({ spaceId }, c.req.valid("query")), 200);
    })
    .openapi(getBooking, async (c) => {
      const user = currentUser(c);
      const booking = await loadBooking(c.req.valid("param").id);
      assertMay(user, booking, "view");
      return c.json({ ...toBookingDetail(booking), history: await bookingHistory(pool, booking.id) }, 200);
    })
    .openapi(approveBooking, async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await change(c, id, "approve", { reason: await reasonOf(c) }), 200);
    })
    .openapi(rejectBooking, async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await change(c, id, "reject", { reason: await reasonOf(c) }), 200);
    })
    .openapi(cancelBooking, async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await change(c, id, "cancel", { reason: await reasonOf(c) }), 200);
    })
    .openapi(extendBooking, async (c) => {
      const { id } = c.req.valid("param");
      const { end } = c.req.valid("json");
      return c.json(await change(c, id, "extend", { end: Date.parse(end) }), 200);
    });
}
