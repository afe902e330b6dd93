// CORS for /api/*: a browser page from one of CORS_ALLOWED_ORIGINS (default: PUBLIC_URL's origin) may
// call the API; any other origin gets no Access-Control-Allow-Origin, so its browser keeps the answer
// from it. No credentials: the API authenticates by bearer token, never by cookie. Preflights are
// answered here (204), before authentication, body limits and idempotency see them.
// A request with no Origin header (not a browser's cross-origin call: a server, a mobile app, curl)
// has nothing for CORS to say; it only gets `Vary: Origin`, set in place on the outgoing response.
// Hono's cors would touch the response's headers before and after the route, which turns
// @hono/node-server's light response into a web Response: a third of a small answer's CPU.
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env.ts";
import { nodeResponse } from "./request-context.ts";

export const CORS_MAX_AGE_SECONDS = 600;

export function apiCors(allowedOrigins: readonly string[]): MiddlewareHandler<AppEnv> {
  const allowed = new Set(allowedOrigins);
  const browserCors = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"],
    exposeHeaders: ["X-Request-Id", "Idempotent-Replayed", "Retry-After", "Location"],
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  });
  return async (c, next) => {
    if (c.req.header("origin") !== undefined) return browserCors(c, next);
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined) outgoing.setHeader("Vary", "Origin");
    else c.header("Vary", "Origin", { append: true });
    await next();
  };
}
