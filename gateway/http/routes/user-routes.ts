// /api/v1/users: my profile and preferences, becoming a host, and other users' public profiles.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { roleSchema } from "../../../src/domain/roles.ts";
import { errors } from "../../../src/errors.ts";
import type { UserRecord } from "../../../src/storage/users-repository.ts";
import * as usersRepo from "../../../src/storage/users-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { currentUser, requireAuth } from "../middleware/authenticate.ts";
import { anyone, bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { nulFree, text } from "../text-fields.ts";

const ProfileSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    phone: z.string().nullable(),
    avatarUrl: z.string().nullable(),
    bio: z.string().nullable(),
    roles: z.array(roleSchema),
    emailVerified: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("Profile");

const ProfileUpdate = z
  .strictObject({
    firstName: text(100).optional(),
    lastName: text(100).optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "must be in E.164 form, e.g. +34600111222")
      .nullable()
      .optional(),
    avatarUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .nullable()
      .optional(),
    bio: nulFree().max(2000).nullable().optional(),
  })
  .openapi("ProfileUpdate");

const PreferencesSchema = z
  .object({
    emailNotifications: z.boolean(),
    smsNotifications: z.boolean(),
    pushNotifications: z.boolean(),
    marketingEmails: z.boolean(),
    language: z.string(),
    currency: z.string(),
    timezone: z.string(),
  })
  .openapi("Preferences");

const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const PreferencesUpdate = z
  .strictObject({
    emailNotifications: z.boolean().optional(),
    smsNotifications: z.boolean().optional(),
    pushNotifications: z.boolean().optional(),
    marketingEmails: z.boolean().optional(),
    language: z
      .string()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag such as en or es-ES")
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR")
      .optional(),
    timezone: z.string().max(64).refine(validTimeZone, "must be an IANA time zone").optional(),
  })
  .openapi("PreferencesUpdate");

const PublicProfileSchema = z
  .object({
    id: z.uuid(),
    firstName: z.string(),
    lastInitial: z.string(),
    avatarUrl: z.string().nullable(),
    bio: z.string().nullable(),
    isHost: z.boolean(),
    memberSince: z.string(),
  })
  .openapi("PublicProfile");

const toProfile = (user: UserRecord) => ({
  id: user.id,
  email: user.email,
  firstName: user.firstName,
  lastName: user.lastName,
  phone: user.phone,
  avatarUrl: user.avatarUrl,
  bio: user.bio,
  roles: user.roles,
  emailVerified: user.emailVerifiedAt !== null,
  createdAt: user.createdAt.toISOString(),
});

const tags = ["users"];
const authed = { security: bearerSecurity, middleware: requireAuth };

const getProfile = createRoute({
  method: "get",
  path: "/users/profile",
  operationId: "getProfile",
  tags,
  ...authed,
  summary: "My profile",
  responses: { 200: jsonResponse(ProfileSchema, "Profile"), 401: errorResponses[401] },
});

const putProfile = createRoute({
  method: "put",
  path: "/users/profile",
  operationId: "updateProfile",
  tags,
  ...authed,
  summary: "Change my profile (only the fields sent)",
  request: { body: jsonBody(ProfileUpdate) },
  responses: {
    200: jsonResponse(ProfileSchema, "Updated"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const getPreferences = createRoute({
  method: "get",
  path: "/users/preferences",
  operationId: "getPreferences",
  tags,
  ...authed,
  summary: "My notification and display preferences",
  responses: { 200: jsonResponse(PreferencesSchema, "Preferences"), 401: errorResponses[401] },
});

const postPreferences = createRoute({
  method: "post",
  path: "/users/preferences",
  operationId: "setPreferences",
  tags,
  ...authed,
  summary: "Change my preferences (only the fields sent)",
  request: { body: jsonBody(PreferencesUpdate) },
  responses: {
    200: jsonResponse(PreferencesSchema, "Updated"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const becomeHost = createRoute({
  method: "post",
  path: "/users/become-host",
  operationId: "becomeHost",
  tags,
  ...authed,
  summary: "Add the host role to my account; answers a fresh session whose token carries it",
  responses: {
    200: jsonResponse(
      z.object({
        user: z.object({ id: z.uuid(), email: z.string(), roles: z.array(roleSchema) }),
        accessToken: z.string(),
        refreshToken: z.string(),
      }),
      "Now a host",
    ),
    401: errorResponses[401],
  },
});

const getPublicProfile = createRoute({
  method: "get",
  path: "/users/{userId}",
  operationId: "getPublicUser",
  security: anyone,
  tags,
  summary: "Another user's public profile",
  request: { params: z.strictObject({ userId: z.uuid() }) },
  responses: {
    200: jsonResponse(PublicProfileSchema, "Public profile"),
    400: errorResponses[400],
    404: errorResponses[404],
  },
});

export function userRoutes({ pool, auth }: AppDeps) {
  const loadMe = async (id: string) => {
    const user = await usersRepo.findUserById(pool, id);
    if (!user) throw errors.notFound("user");
    return user;
  };
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(getProfile, async (c) => c.json(toProfile(await loadMe(currentUser(c).id)), 200))
    .openapi(putProfile, async (c) => {
      const updated = await usersRepo.updateProfile(pool, currentUser(c).id, c.req.valid("json"));
      if (!updated) throw errors.notFound("user");
      return c.json(toProfile(updated), 200);
    })
    .openapi(getPreferences, async (c) =>
      c.json(await usersRepo.getPreferences(pool, currentUser(c).id), 200),
    )
    .openapi(postPreferences, async (c) =>
      c.json(await usersRepo.updatePreferences(pool, currentUser(c).id, c.req.valid("json")), 200),
    )
    .openapi(becomeHost, async (c) => {
      const { id } = currentUser(c);
      await usersRepo.grantRoles(pool, id, ["host"]);
      return c.json(await auth.reissue(pool, id), 200);
    })
    .openapi(getPublicProfile, async (c) => {
      const user = await usersRepo.findUserById(pool, c.req.valid("param").userId);
      if (!user || user.status === "deleted") throw errors.notFound("user");
      return c.json(
        {
          id: user.id,
          firstName: user.firstName,
          lastInitial: `${user.lastName.slice(0, 1)}.`,
          avatarUrl: user.avatarUrl,
          bio: user.bio,
          isHost: user.roles.includes("host"),
          memberSince: user.createdAt.toISOString(),
        },
        200,
      );
    });
}
