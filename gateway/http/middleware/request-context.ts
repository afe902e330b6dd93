// Per request: an id (taken from X-Request-Id when sane, else new), a child logger, the access log
// line and the HTTP metrics.
import { randomUUID } from "node:crypto";
import { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../../../src/logger.ts";
import type { Metrics } from "../../../src/metrics.ts";
import type { AppEnv } from "../app-env.ts";

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** node:http's response behind @hono/node-server (`c.env.outgoing`); absent for in-process requests. */
export function nodeResponse(c: Context<AppEnv>): ServerResponse | undefined {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/**
 * Sets the header on the response in place. `c.header` on a finished response reads its `bodyUsed`,
 * which makes @hono/node-server turn its light response into a web Response with a stream, then
 * copies it: a real share of a small answer's CPU. Headers of a response that forbids changes
 * (a fetched one, a redirect) go the copying way.
 */
function setRequestIdHeader(c: Context<AppEnv>, requestId: string): void {
  try {
    c.res.headers.set("X-Request-Id", requestId);
  } catch {
    c.header("X-Request-Id", requestId);
  }
}

export function requestContext(logger: Logger, metrics: Metrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("logger", logger.child({ requestId }));
    const started = performance.now();
    // Served by node:http: the header goes on the outgoing response before the route runs, and
    // writeHead adds it to whatever answer comes, an error or a crash included, without turning
    // the light response's plain headers into a web Headers and back.
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined) outgoing.setHeader("X-Request-Id", requestId);
    await next();
    if (outgoing === undefined) setRequestIdHeader(c, requestId);
    const route = c.req.routePath || "unmatched";
    const seconds = (performance.now() - started) / 1000;
    metrics.httpRequests.inc({ method: c.req.method, route, status: String(c.res.status) });
    metrics.httpDuration.observe({ method: c.req.method, route }, seconds);
    c.get("logger").debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(seconds * 1000) },
      "request",
    );
  };
}
