// Bearer-token authentication and role checks. `identify` runs on every API request and only notes
// who is calling; `requireAuth` / `requireRole` turn a missing or bad token into 401 and a missing
// role into 403.
import type { Context, MiddlewareHandler } from "hono";
import type { AccessTokens } from "../../../src/auth/access-tokens.ts";
import { hasAnyRole, type Role } from "../../../src/domain/roles.ts";
import { errors } from "../../../src/errors.ts";
import type { AppEnv, AuthUser } from "../app-env.ts";

export function identify(accessTokens: AccessTokens): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      try {
        if (!match) throw errors.unauthenticated("Authorization header must be 'Bearer <token>'");
        const claims = await accessTokens.verify(match[1]!);
        c.set("user", { id: claims.userId, roles: claims.roles });
      } catch (error) {
        c.set("authError", error as Error);
      }
    }
    await next();
  };
}

// c.get, not c.var: c.var copies every variable into a new object on each read.
export const requireAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("user")) throw c.get("authError") ?? errors.unauthenticated();
  await next();
};

export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get("user");
    if (!user) throw c.get("authError") ?? errors.unauthenticated();
    if (!hasAnyRole(user.roles, roles)) throw errors.forbidden(`requires role ${roles.join(" or ")}`);
    await next();
  };
}

/** The authenticated caller; only call behind requireAuth / requireRole. */
export function currentUser(c: Context<AppEnv>): AuthUser {
  const user = c.get("user");
  if (!user) throw errors.unauthenticated();
  return user;
}
