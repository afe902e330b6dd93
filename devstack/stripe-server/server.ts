// The local Stripe-compatible HTTP server: authenticates the secret key, decodes Stripe's form
// encoding, keeps Idempotency-Key results, answers errors as Stripe does and routes to the resources.
// Test-only routes under /_test: health, counts of objects made, and the onboarding page of account links.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { serve } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { addAccountRoutes, completeOnboarding, type OnboardingLink } from "./accounts.ts";
import type { AddRoute, ApiRequest } from "./api.ts";
import { parameterError, StripeApiError, type StripeErrorBody } from "./errors.ts";
import { addEventRoutes } from "./events.ts";
import { decodeForm } from "./form.ts";
import { fingerprint, remember, replayFor } from "./idempotency.ts";
import { addPaymentIntentRoutes } from "./payment-intents.ts";
import { addPayoutRoutes } from "./payouts.ts";
import { addRefundRoutes } from "./refunds.ts";
import { newId, type StripeEvent, unixNow, type World, Worlds } from "./store.ts";
import { addTransferRoutes } from "./transfers.ts";
import { type StaticEndpoint, WebhookSender } from "./webhooks.ts";

export interface StripeServerOptions {
  /** Endpoints that receive every event of every key, signed with their secret. */
  webhookEndpoints?: StaticEndpoint[];
  /** Waits before each resend of a webhook that failed (default 1 s, 2 s, 4 s, 8 s: five attempts). */
  webhookRetryDelaysMs?: number[];
  /** How long an Idempotency-Key's result is kept (default 24 h, as at Stripe). */
  idempotencyTtlMs?: number;
  /** Idempotency-Key results kept per secret key at most; the oldest go first (default 100,000). */
  idempotencyMaxKeys?: number;
  /**
   * A JSON file the objects are kept in across restarts: read at start when it exists, written shortly
   * after each change and at close. Without it, everything lives in memory only.
   */
  stateFile?: string;
  log?: (line: string) => void;
}

const DEFAULT_API_VERSION = "2025-01-01";

function authError(message: string): StripeApiError {
  return new StripeApiError(401, { type: "invalid_request_error", message }, true);
}

/** The secret key of `Authorization: Bearer sk_test_…` (or Basic with the key as user name). */
function secretKey(header: string | undefined): string {
  if (!header) {
    throw authError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const [scheme, value = ""] = header.split(" ", 2);
  const key =
    scheme?.toLowerCase() === "basic" ? (Buffer.from(value, "base64").toString().split(":")[0] ?? "") : value;
  if (!/^sk_test_[A-Za-z0-9_]{1,200}$/.test(key)) {
    throw authError(
      `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
    );
  }
  return key;
}

function errorResponse(c: Context, status: number, body: StripeErrorBody, requestId: string) {
  const withDocs = { ...body, request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` };
  return c.json({ error: withDocs }, status as 400, { "request-id": requestId });
}

export function createStripeApp(options: StripeServerOptions = {}) {
  const state = options.stateFile ? stateKeeper(options.stateFile) : undefined;
  const worlds = state?.load() ?? new Worlds();
  const links = new Map<string, OnboardingLink>();
  const ttlMs = options.idempotencyTtlMs ?? 24 * 3600 * 1000;
  const keyLimits = { ttlMs, maxKeys: options.idempotencyMaxKeys ?? 100_000 };
  const webhooks = new WebhookSender(
    options.webhookEndpoints ?? [],
    options.webhookRetryDelaysMs ?? [1000, 2000, 4000, 8000],
    options.log,
  );
  const app = new Hono();

  function recordEvent(
    world: World,
    type: string,
    object: unknown,
    details: {
      previous?: Record<string, unknown> | undefined;
      account?: string | undefined;
      apiVersion: string;
      requestId: string | null;
      idempotencyKey: string | null;
    },
  ): StripeEvent {
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      ...(details.account ? { account: details.account } : {}),
      api_version: details.apiVersion,
      created: unixNow(),
      data: {
        object: structuredClone(object),
        ...(details.previous ? { previous_attributes: details.previous } : {}),
      },
      livemode: false,
      pending_webhooks: webhooks.targets(world, type).length,
      request: { id: details.requestId, idempotency_key: details.idempotencyKey },
      type,
    };
    world.events.push(event);
    world.counts.events++;
    webhooks.deliver(world, event);
    return event;
  }

  const route: AddRoute = (method, path, handler) => {
    app.on(method, path, async (c) => {
      const requestId = newId("req", 14);
      const apiVersion = c.req.header("stripe-version") ?? DEFAULT_API_VERSION;
      try {
        const world = worlds.get(secretKey(c.req.header("authorization")));
        const raw = method === "POST" ? await c.req.text() : new URL(c.req.url).search.slice(1);
        const params = decodeForm(raw);
        const stripeAccount = c.req.header("stripe-account") || undefined;
        const idempotencyKey = method === "POST" ? (c.req.header("idempotency-key") ?? null) : null;
        const print = fingerprint(method, c.req.path, stripeAccount, params);
        if (idempotencyKey) {
          const stored = replayFor(world, idempotencyKey, print, ttlMs);
          if (stored) {
            return c.body(stored.body as string, stored.status as 200, {
              "content-type": "application/json",
              "idempotent-replayed": "true",
              "idempotency-key": idempotencyKey,
              "request-id": requestId,
            });
          }
        }
        const request: ApiRequest = {
          world,
          path: c.req.param() as Record<string, string>,
          stripeAccount,
          idempotencyKey,
          origin: new URL(c.req.url).origin,
          parse(schema) {
            const parsed = schema.safeParse(params);
            if (!parsed.success) throw parameterError(parsed.error, params);
            return parsed.data;
          },
          emit: (type, object, extra) =>
            recordEvent(world, type, object, { ...extra, apiVersion, requestId, idempotencyKey }),
        };
        let status = 200;
        let body: string;
        try {
          body = JSON.stringify(handler(request));
        } catch (error) {
          if (!(error instanceof StripeApiError) || error.beforeExecution) throw error;
          status = error.status;
          body = JSON.stringify({ error: error.body });
        }
        if (idempotencyKey) remember(world, idempotencyKey, { fingerprint: print, status, body }, keyLimits);
        if (method !== "GET") state?.changed(worlds);
        return c.body(body, status as 200, {
          "content-type": "application/json",
          "request-id": requestId,
          ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
        });
      } catch (error) {
        if (error instanceof StripeApiError) return errorResponse(c, error.status, error.body, requestId);
        options.log?.(`${method} ${c.req.path} failed: ${(error as Error).stack ?? error}`);
        return errorResponse(c, 500, { type: "api_error", message: "An unknown error occurred" }, requestId);
      }
    });
  };

  addAccountRoutes(route, links);
  addPaymentIntentRoutes(route);
  addRefundRoutes(route);
  addTransferRoutes(route);
  addPayoutRoutes(route);
  addEventRoutes(route);

  app.get("/_test/health", (c) => c.json({ ok: true }));

  app.get("/_test/counts", (c) => {
    try {
      return c.json(worlds.get(secretKey(c.req.header("authorization"))).counts);
    } catch (error) {
      if (error instanceof StripeApiError)
        return errorResponse(c, error.status, error.body, newId("req", 14));
      throw error;
    }
  });

  app.get("/_test/onboarding/:token", (c) => {
    const token = c.req.param("token");
    const link = links.get(token);
    try {
      const account = completeOnboarding(link, (world, type, object, previous, accountId) =>
        recordEvent(world, type, object, {
          previous,
          account: accountId,
          apiVersion: DEFAULT_API_VERSION,
          requestId: null,
          idempotencyKey: null,
        }),
      );
      links.delete(token);
      state?.changed(worlds);
      if (link?.returnUrl) return c.redirect(link.returnUrl, 302);
      return c.json({ onboarded: account.id, charges_enabled: account.charges_enabled });
    } catch (error) {
      if (error instanceof StripeApiError)
        return errorResponse(c, error.status, error.body, newId("req", 14));
      throw error;
    }
  });

  app.notFound((c) =>
    errorResponse(
      c,
      404,
      {
        type: "invalid_request_error",
        message: `Unrecognized request URL (${c.req.method}: ${c.req.path}).`,
      },
      newId("req", 14),
    ),
  );

  return {
    app,
    close: () => {
      webhooks.stop();
      state?.save(worlds);
    },
  };
}

/** Reads and writes the state file; writes are coalesced (at most one per 200 ms) and atomic. */
function stateKeeper(file: string) {
  let timer: NodeJS.Timeout | undefined;
  const save = (worlds: Worlds) => {
    clearTimeout(timer);
    timer = undefined;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, worlds.serialize());
    renameSync(`${file}.tmp`, file);
  };
  return {
    load: () => (existsSync(file) ? Worlds.deserialize(readFileSync(file, "utf8")) : undefined),
    changed(worlds: Worlds) {
      timer ??= setTimeout(() => save(worlds), 200);
    },
    save,
  };
}

export interface RunningStripeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startStripeServer(
  options: StripeServerOptions & { host?: string; port?: number } = {},
): Promise<RunningStripeServer> {
  const { app, close } = createStripeApp(options);
  const host = options.host ?? "127.0.0.1";
  const server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", () => resolve());
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The SDK keeps connections alive: end them rather than wait for them to idle out.
      (server as HttpServer).closeAllConnections();
      await closed;
    },
  };
}
