// Security headers and CORS over real HTTP (the real app behind @hono/node-server, as the gateway
// serves it): every answer — pages, JSON, assets, errors, preflights — carries nosniff, no Referer, no
// framing and a CSP; the map page and the API docs get a policy for their own scripts, styles and
// connections, no inline script, and the map may show images from its tile server's origin
// (MAP_TILE_URL) and no other; HSTS only when PUBLIC_URL is https. CORS on /api/*: allowed origins
// get their origin back, preflights are answered before authentication, others get no ACAO header.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp } from "../support/test-app.ts";

/** The real app listening on a loopback port; closed after the file's tests. */
function overHttp(overrides: Record<string, string>) {
  const { app } = createTestApp(overrides);
  let base = "";
  let server: ReturnType<typeof serve> | undefined;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve());
    });
    base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server!.close(() => resolve())));
  return (path: string, init?: RequestInit) => fetch(`${base}${path}`, init);
}

const PUBLIC_URL = "http://parking.test:3000";
const http = overHttp({ PUBLIC_URL });
const https = overHttp({ PUBLIC_URL: "https://parking.example.com" });
const TILE_URL = "https://tiles.example.net:8443/styles/basic/{z}/{x}/{y}@2x.png";
const ownTiles = overHttp({ PUBLIC_URL, MAP_TILE_URL: TILE_URL });
const noTiles = overHttp({ PUBLIC_URL, MAP_TILE_URL: "none" });
const listed = overHttp({
  PUBLIC_URL,
  CORS_ALLOWED_ORIGINS: "https://app.example.com,http://localhost:5173",
});

/** Directive name → its sources. */
function csp(response: Response): Map<string, string[]> {
  const header = response.headers.get("content-security-policy");
  expect(header, "Content-Security-Policy").toBeTruthy();
  return new Map(
    header!.split(";").map((directive) => {
      const [name, ...sources] = directive.trim().split(/\s+/);
      return [name!, sources];
    }),
  );
}

function expectCommonHeaders(response: Response) {
  expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  expect(response.headers.get("x-frame-options")).toBe("DENY");
  expect(csp(response).get("frame-ancestors")).toEqual(["'none'"]);
}

describe("security headers", () => {
  it("are on every answer: JSON, errors, assets, spec, health", async () => {
    const answers = await Promise.all([
      http("/healthz"),
      http("/openapi.json"),
      http("/api/v1/no-such-route"),
      http("/api/v1/users/profile"),
      http("/api/v1/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      }),
      http("/map/assets/map-app.js"),
      http("/docs/assets/swagger-ui-bundle.js"),
      http("/metrics"),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 401, 400, 200, 200, 404]);
    for (const response of answers) {
      expectCommonHeaders(response);
      // Not a page: the policy allows nothing at all.
      expect(csp(response).get("default-src")).toEqual(["'none'"]);
      expect(csp(response).has("script-src")).toBe(false);
      await response.arrayBuffer();
    }
  });

  it("give the map page a policy for its own scripts, styles and live connection, nothing inline", async () => {
    const response = await http("/");
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    const policy = csp(response);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("style-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'", PUBLIC_URL, "ws://parking.test:3000"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    const html = await response.text();
    // Every script the page runs is a file of this gateway, which the policy allows.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+=|style=/);
    for (const src of html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)) {
      expect(src[1]).toMatch(/^\/map\/assets\//);
      expect((await http(src[1]!)).status).toBe(200);
    }
  });

  it("give the API docs a policy for their own scripts, and the page has no inline script", async () => {
    const response = await http("/docs");
    expect(response.status).toBe(200);
    expectCommonHeaders(response);
    const policy = csp(response);
    expect(policy.get("script-src")).toEqual(["'self'"]);
    expect(policy.get("connect-src")).toEqual(["'self'", PUBLIC_URL]);
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(["/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui-start.js"]);
    const start = await http(scripts[1]!);
    expect(start.status).toBe(200);
    expect(start.headers.get("content-type")).toContain("javascript");
    expect(await start.text()).toContain('SwaggerUIBundle({ url: "/openapi.json"');
  });

  it("let the map page show images from the configured tile server's origin and no other", async () => {
    // The default: OpenStreetMap's standard tiles.
    expect(csp(await http("/")).get("img-src")).toEqual([
      "'self'",
      "data:",
      "https://tile.openstreetmap.org",
    ]);
    const page = await ownTiles("/");
    expect(csp(page).get("img-src")).toEqual(["'self'", "data:", "https://tiles.example.net:8443"]);
    // The page hands the template to its script in an attribute, escaped; no inline script.
    const html = await page.text();
    expect(html).toContain(`data-tile-url="${TILE_URL}"`);
    expect(html).toContain(
      'data-tile-attribution="&#38;copy; &#60;a href=&#34;https://www.openstreetmap.org/copyright&#34;&#62;',
    );
    // The docs page and every other answer show no tiles.
    expect(csp(await ownTiles("/docs")).get("img-src")).toEqual(["'self'", "data:"]);
    expect(csp(await ownTiles("/healthz")).has("img-src")).toBe(false);
    // MAP_TILE_URL=none: no street map, no image origin beyond the gateway's own.
    const plain = await noTiles("/");
    expect(csp(plain).get("img-src")).toEqual(["'self'", "data:"]);
    expect(await plain.text()).not.toContain("data-tile-url");
  });

  it("send HSTS only when PUBLIC_URL is https", async () => {
    const plain = await http("/healthz");
    expect(plain.headers.get("strict-transport-security")).toBeNull();
    const secure = await https("/healthz");
    expect(secure.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const page = await https("/");
    expect(page.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect(csp(page).get("connect-src")).toEqual([
      "'self'",
      "https://parking.example.com",
      "wss://parking.example.com",
    ]);
  });
});

describe("CORS on /api/*", () => {
  const preflight = (call: typeof http, path: string, origin: string) =>
    call(path, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, idempotency-key",
      },
    });

  it("answers a preflight from PUBLIC_URL's origin (the default) before authentication, without credentials", async () => {
    const response = await preflight(http, "/api/v1/users/become-host", PUBLIC_URL);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(PUBLIC_URL);
    expect(response.headers.get("access-control-allow-methods")?.split(",")).toEqual(
      expect.arrayContaining(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    );
    expect(response.headers.get("access-control-allow-headers")?.toLowerCase().split(",")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "idempotency-key"]),
    );
    expect(response.headers.get("access-control-max-age")).toBe("600");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
    expectCommonHeaders(response);
  });

  it("gives an allowed origin its origin back on the answer, with the headers it may read", async () => {
    const response = await http("/api/v1/users/profile", { headers: { origin: PUBLIC_URL } });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe(PUBLIC_URL);
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("answers a call with no Origin (not a browser's cross-origin call) with Vary: Origin and no CORS headers", async () => {
    const response = await http("/api/v1/users/profile");
    expect(response.status).toBe(401);
    expect(response.headers.get("vary")).toContain("Origin");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-expose-headers")).toBeNull();
    expectCommonHeaders(response);
  });

  it("gives a disallowed origin no Access-Control-Allow-Origin, on a preflight or a call", async () => {
    for (const origin of ["https://evil.example", "http://parking.test:3001", "null"]) {
      const pre = await preflight(http, "/api/v1/auth/login", origin);
      expect(pre.headers.get("access-control-allow-origin")).toBeNull();
      const call = await http("/api/v1/search/popular", { headers: { origin } });
      expect(call.headers.get("access-control-allow-origin")).toBeNull();
      await call.arrayBuffer();
    }
  });

  it("follows CORS_ALLOWED_ORIGINS when set: its origins only, PUBLIC_URL's no longer", async () => {
    for (const origin of ["https://app.example.com", "http://localhost:5173"]) {
      const response = await preflight(listed, "/api/v1/bookings", origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
    }
    const publicOrigin = await preflight(listed, "/api/v1/bookings", PUBLIC_URL);
    expect(publicOrigin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("leaves pages and health outside /api/* without CORS headers", async () => {
    const response = await http("/healthz", { headers: { origin: PUBLIC_URL } });
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
