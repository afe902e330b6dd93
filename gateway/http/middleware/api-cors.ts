// CORS for /api/*: a browser page from one of CORS_ALLOWED_ORIGINS (default: PUBLIC_URL's origin) may
// call the API; any other origin gets no Access-Control-Allow-Origin, so its browser keeps the answer
// from it. No credentials: the API authenticates by bearer token, never by cookie. Preflights are
// answered here (204), before authentication, body limits and idempotency see them.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";

export const CORS_MAX_AGE_SECONDS = 600;

export function apiCors(allowedOrigins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(allowedOrigins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Idempotent-Replayed", "Retry-After", "Location"],
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  });
}
