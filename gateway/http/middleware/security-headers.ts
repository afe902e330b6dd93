// Security headers on every answer of the public port. The two pages (the live map at `/`, Swagger UI
// at `/docs`) get a Content-Security-Policy that lets them run only this gateway's own scripts and
// styles and connect only back to it (REST, and the live WebSocket for the map), and the map shows
// images from its tile server's origin (MAP_TILE_URL) besides its own; every other answer
// (JSON, assets, errors) gets one that allows nothing. Beside it: nosniff, no Referer, no framing, and
// HSTS when PUBLIC_URL is https (a browser would keep it for a year: never on a plain-http deployment).
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { nodeResponse } from "./request-context.ts";

export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** No content of any kind, no framing, no base or form targets: for answers that are not pages. */
const NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function pagePolicy(connectSources: string[], imageSources: string[]) {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // Leaflet's and Swagger UI's small icons are data: URIs.
    `img-src ${["'self'", "data:", ...imageSources].join(" ")}`,
    `connect-src ${["'self'", ...connectSources].join(" ")}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The policies by path: the map page, the API docs page, and nothing for the rest. `tileOrigin`: where
 * the map's street tiles come from (null: no street map).
 */
export function contentSecurityPolicies(publicUrl: string, tileOrigin: string | null) {
  const url = new URL(publicUrl);
  // The page may be reached under another name than PUBLIC_URL ('self' covers that); its live
  // WebSocket is named explicitly too, for browsers whose 'self' does not cover ws:/wss:.
  const liveOrigin = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
  return {
    map: pagePolicy([url.origin, liveOrigin], tileOrigin === null ? [] : [tileOrigin]),
    // Swagger UI reads /openapi.json and "Try it out" calls the API at PUBLIC_URL (the spec's server).
    docs: pagePolicy([url.origin], []),
    other: NOTHING_POLICY,
  };
}

export function securityHeaders(options: {
  publicUrl: string;
  tileOrigin: string | null;
}): MiddlewareHandler<AppEnv> {
  const policies = contentSecurityPolicies(options.publicUrl, options.tileOrigin);
  const common: Array<[string, string]> = [
    ["X-Content-Type-Options", "nosniff"],
    ["Referrer-Policy", "no-referrer"],
    ["X-Frame-Options", "DENY"],
    ["Cross-Origin-Opener-Policy", "same-origin"],
  ];
  if (new URL(options.publicUrl).protocol === "https:") {
    common.push(["Strict-Transport-Security", `max-age=${HSTS_MAX_AGE_SECONDS}`]);
  }
  const policyFor = (c: Context<AppEnv>) =>
    c.req.path === "/" ? policies.map : c.req.path === "/docs" ? policies.docs : policies.other;

  return async (c, next) => {
    const headers: Array<[string, string]> = [...common, ["Content-Security-Policy", policyFor(c)]];
    // Served by node:http: set on the outgoing response before the route runs, so every answer (an
    // error, a preflight, a crash) carries them, without turning the light response into a web one.
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined) {
      for (const [name, value] of headers) outgoing.setHeader(name, value);
      await next();
      return;
    }
    await next();
    for (const [name, value] of headers) {
      try {
        c.res.headers.set(name, value);
      } catch {
        c.header(name, value);
      }
    }
  };
}
