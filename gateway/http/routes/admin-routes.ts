// /api/v1/admin: operator actions, admin role only. Taking a role away is announced to the user's
// live sockets.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { roleSchema } from "../../../src/domain/roles.ts";
import { errors } from "../../../src/errors.ts";
import * as usersRepo from "../../../src/storage/users-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { requireRole } from "../middleware/authenticate.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";

const setRoles = createRoute({
  method: "put",
  path: "/admin/users/{userId}/roles",
  operationId: "setUserRoles",
  tags: ["admin"],
  security: bearerSecurity,
  middleware: requireRole("admin"),
  summary: "Set a user's roles (driver is always kept)",
  request: {
    params: z.strictObject({ userId: z.uuid() }),
    body: jsonBody(z.strictObject({ roles: z.array(roleSchema).min(1).max(3) }).openapi("SetRolesRequest")),
  },
  responses: {
    200: jsonResponse(z.object({ id: z.uuid(), roles: z.array(roleSchema) }), "Roles now held"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
  },
});

export function adminRoutes({ pool, revocations }: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(setRoles, async (c) => {
    const { userId } = c.req.valid("param");
    const roles = [...new Set(["driver" as const, ...c.req.valid("json").roles])];
    const before = await usersRepo.findUserById(pool, userId);
    if (!before) throw errors.notFound("user");
    await usersRepo.setRoles(pool, userId, roles);
    const user = await usersRepo.findUserById(pool, userId);
    const held = user?.roles ?? roles;
    // A role taken away ends what the user's live sockets were allowed by their tokens (host prompts).
    if (before.roles.some((role) => !held.includes(role))) {
      await revocations.publish({ userId, reason: "roles_changed" });
    }
    return c.json({ id: userId, roles: held }, 200);
  });
}
