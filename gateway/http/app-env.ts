// Hono context typing shared by every route and middleware of the HTTP gateway.
import type { Role } from "../../src/domain/roles.ts";
import type { Logger } from "../../src/logger.ts";

export interface AuthUser {
  id: string;
  roles: Role[];
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set when a valid bearer token came with the request. */
    user?: AuthUser;
    /** Why a bearer token that came with the request was refused (answered only where auth is required). */
    authError?: Error;
  };
}
