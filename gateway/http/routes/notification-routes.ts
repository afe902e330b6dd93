// /api/v1/notifications: my in-app notifications (newest first, with the unread count) and read marks,
// my channel choices per kind, and the one-click unsubscribe link non-essential emails carry.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { errors } from "../../../src/errors.ts";
import type { ChannelChoice, NotificationKind } from "../../../src/notifications/notification-kinds.ts";
import { readUnsubscribeToken } from "../../../src/notifications/unsubscribe-links.ts";
import * as repo from "../../../src/storage/notifications-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { decodeListCursor, encodeListCursor } from "../list-cursor.ts";
import { currentUser, requireAuth } from "../middleware/authenticate.ts";
import {
  NotificationListQuery,
  NotificationListSchema,
  NotificationParams,
  NotificationPreferencesSchema,
  NotificationPreferencesUpdate,
  NotificationSchema,
  UnsubscribeQuery,
} from "../notification-schemas.ts";
import { anyone, bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";

const tags = ["notifications"];
const authed = { security: bearerSecurity, middleware: requireAuth };

const listNotifications = createRoute({
  method: "get",
  path: "/notifications",
  operationId: "listNotifications",
  tags,
  ...authed,
  summary: "My in-app notifications, newest first, and how many are unread",
  request: { query: NotificationListQuery },
  responses: {
    200: jsonResponse(NotificationListSchema, "A page; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const markRead = createRoute({
  method: "post",
  path: "/notifications/{id}/read",
  operationId: "markNotificationRead",
  tags,
  ...authed,
  summary: "Mark one of my in-app notifications read (again: keeps the first time)",
  request: { params: NotificationParams },
  responses: {
    200: jsonResponse(NotificationSchema, "Read"),
    400: errorResponses[400],
    401: errorResponses[401],
    404: errorResponses[404],
  },
});

const getPreferences = createRoute({
  method: "get",
  path: "/notifications/preferences",
  operationId: "getNotificationPreferences",
  tags,
  ...authed,
  summary: "My channels per kind of notification (defaults where I chose none)",
  responses: { 200: jsonResponse(NotificationPreferencesSchema, "Preferences"), 401: errorResponses[401] },
});

const putPreferences = createRoute({
  method: "put",
  path: "/notifications/preferences",
  operationId: "setNotificationPreferences",
  tags,
  ...authed,
  summary: "Change my channels for the kinds sent (in-app stays on)",
  request: { body: jsonBody(NotificationPreferencesUpdate) },
  responses: {
    200: jsonResponse(NotificationPreferencesSchema, "Updated"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const unsubscribe = createRoute({
  method: "post",
  path: "/notifications/unsubscribe",
  operationId: "unsubscribeNotificationEmail",
  security: anyone,
  tags,
  summary: "One-click unsubscribe (RFC 8058): turns off the email of the kind the mailed token names",
  request: { query: UnsubscribeQuery },
  responses: {
    200: jsonResponse(
      z.object({ kind: z.string(), email: z.literal(false) }).openapi("Unsubscribed"),
      "That kind's email is off",
    ),
    400: errorResponses[400],
  },
});

const withInApp = (choices: Record<NotificationKind, ChannelChoice>) =>
  Object.fromEntries(
    Object.entries(choices).map(([kind, choice]) => [kind, { inApp: true as const, ...choice }]),
  ) as Record<NotificationKind, ChannelChoice & { inApp: true }>;

export function notificationRoutes({ pool, config }: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(listNotifications, async (c) => {
      const { id } = currentUser(c);
      const query = c.req.valid("query");
      const [page, unreadCount] = await Promise.all([
        repo.listInApp(pool, id, {
          limit: query.limit,
          ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}),
          ...(query.unread === "true" ? { unreadOnly: true } : {}),
        }),
        repo.unreadCount(pool, id),
      ]);
      return c.json(
        {
          notifications: page.items,
          unreadCount,
          nextCursor: page.next ? encodeListCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(markRead, async (c) => {
      // Another user's notification is not found: its existence is not the caller's to know.
      const read = await repo.markRead(pool, currentUser(c).id, c.req.valid("param").id);
      if (!read) throw errors.notFound("notification");
      return c.json(read, 200);
    })
    .openapi(getPreferences, async (c) =>
      c.json(withInApp(await repo.channelChoices(pool, currentUser(c).id)), 200),
    )
    .openapi(putPreferences, async (c) =>
      c.json(withInApp(await repo.setChannelChoices(pool, currentUser(c).id, c.req.valid("json"))), 200),
    )
    .openapi(unsubscribe, async (c) => {
      const named = readUnsubscribeToken(config.JWT_SECRET, c.req.valid("query").token);
      if (!named) {
        throw errors.validation("invalid query: token: not an unsubscribe link this service sent", [
          { path: "token", message: "invalid" },
        ]);
      }
      await repo.setChannelChoices(pool, named.userId, { [named.kind]: { email: false } });
      return c.json({ kind: named.kind, email: false as const }, 200);
    });
}
