// OpenAPI-described shapes of /api/v1/notifications: a user's channel choices per kind, the in-app
// list and one in-app notification.
import { z } from "@hono/zod-openapi";
import { NOTIFICATION_KINDS, notificationKindSchema } from "../../src/notifications/notification-kinds.ts";

const ChannelsSchema = z
  .object({
    inApp: z.literal(true).openapi({ description: "Always on" }),
    email: z.boolean(),
    sms: z.boolean(),
    push: z.boolean(),
  })
  .openapi("NotificationChannels");

export const NotificationPreferencesSchema = z
  .object(
    Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, ChannelsSchema])) as Record<
      (typeof NOTIFICATION_KINDS)[number],
      typeof ChannelsSchema
    >,
  )
  .openapi("NotificationPreferences");

const ChannelsUpdate = z
  .strictObject({ email: z.boolean().optional(), sms: z.boolean().optional(), push: z.boolean().optional() })
  .openapi("NotificationChannelsUpdate");

export const NotificationPreferencesUpdate = z
  .strictObject(
    Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, ChannelsUpdate.optional()])) as Record<
      (typeof NOTIFICATION_KINDS)[number],
      z.ZodOptional<typeof ChannelsUpdate>
    >,
  )
  .openapi("NotificationPreferencesUpdate", {
    description: "The kinds to change, each with the channels to change; what is left out keeps its value",
  });

export const NotificationSchema = z
  .object({
    id: z.uuid(),
    kind: notificationKindSchema,
    bookingId: z.uuid().nullable(),
    subject: z.string(),
    body: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi("Notification");

export const NotificationListSchema = z
  .object({
    notifications: z.array(NotificationSchema),
    unreadCount: z.number().int(),
    nextCursor: z.string().nullable(),
  })
  .openapi("NotificationList");

export const NotificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
  unread: z.enum(["true", "false"]).optional().openapi({ description: "true: unread ones only" }),
});

export const NotificationParams = z.strictObject({ id: z.uuid() });

export const UnsubscribeQuery = z.strictObject({ token: z.string().min(1).max(300) });
