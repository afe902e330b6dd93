// Builds the real HTTP app against the test Redis + PostgreSQL that `npm test` started, and a small
// client that speaks JSON to it from one client address (X-Forwarded-For, one trusted proxy).
import { randomBytes, randomInt } from "node:crypto";
import { afterAll } from "vitest";
import { createApp } from "../../gateway/http/app.ts";
import { createDeps } from "../../gateway/http/deps.ts";
import { type Config, loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    TRUST_PROXY: "1",
    ...overrides,
  });
}

export function uniqueEmail(prefix = "user") {
  return `${prefix}-${randomBytes(6).toString("hex")}@test.parkealo.live`;
}

export function randomIp() {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

export interface JsonResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type TestApp = ReturnType<typeof createTestApp>;

/** One app per test file; closed after the file's tests. */
export function createTestApp(overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const deps = createDeps(config, createLogger(config, "test"));
  const app = createApp(deps);
  afterAll(() => deps.close());

  function client(ip = randomIp()) {
    let token: string | undefined;
    async function call<T = any>(
      method: string,
      path: string,
      options: { json?: unknown; raw?: string; headers?: Record<string, string> } = {},
    ): Promise<JsonResponse<T>> {
      const headers: Record<string, string> = { "x-forwarded-for": ip, ...options.headers };
      if (token && !("authorization" in headers)) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        headers["content-type"] ??= "application/json";
      } else if (options.raw !== undefined) {
        body = options.raw;
      }
      const response = await app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as T, headers: response.headers };
    }
    return {
      ip,
      call,
      setToken(value: string | undefined) {
        token = value;
      },
      get: <T = any>(path: string, headers?: Record<string, string>) =>
        call<T>("GET", path, headers ? { headers } : {}),
      post: <T = any>(path: string, json?: unknown, headers?: Record<string, string>) =>
        call<T>("POST", path, { json, ...(headers ? { headers } : {}) }),
      put: <T = any>(path: string, json?: unknown, headers?: Record<string, string>) =>
        call<T>("PUT", path, { json, ...(headers ? { headers } : {}) }),
    };
  }

  /** Registers a fresh account (202, no tokens), logs in as it, and returns that client and session. */
  async function signUp(role: "driver" | "host" = "driver", ip?: string) {
    const c = client(ip);
    const email = uniqueEmail(role);
    const password = "a-long-test-password";
    const res = await c.post("/api/v1/auth/register", {
      email,
      password,
      firstName: "Test",
      lastName: "User",
      role,
    });
    if (res.status !== 202) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
    const login = await c.post("/api/v1/auth/login", { email, password });
    if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
    c.setToken(login.body.accessToken);
    return { client: c, email, password, session: login.body, userId: login.body.user.id as string };
  }

  return { app, deps, config, client, signUp };
}

/** The error shape every 4xx must have. */
export function expectErrorShape(
  body: unknown,
): asserts body is { error: { code: string; message: string } } {
  const error = (body as { error?: { code?: unknown; message?: unknown } })?.error;
  if (typeof error?.code !== "string" || typeof error?.message !== "string" || error.message.length === 0) {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
}
