// The HTTP gateway's Hono app: middleware in order (request context, security headers, CORS, body
// limit, identity, rate limits, idempotency), the /api/v1 routes, health, OpenAPI, docs and the map
// page. Prometheus /metrics is not here: the gateway serves it on a listener of its own (METRICS_PORT).
import { OpenAPIHono } from "@hono/zod-openapi";
import { tileOrigin } from "../../src/config/map-tiles.ts";
import { mapRoutes } from "../web/map-routes.ts";
import type { AppEnv } from "./app-env.ts";
import type { AppDeps } from "./deps.ts";
import { onError, onNotFound, validationHook } from "./errors.ts";
import { STRIPE_WEBHOOK_PATH } from "./host-payment-schemas.ts";
import { apiCors } from "./middleware/api-cors.ts";
import { identify } from "./middleware/authenticate.ts";
import { apiBodyLimit } from "./middleware/body-limit.ts";
import { idempotency } from "./middleware/idempotency.ts";
import { ipRateLimit } from "./middleware/ip-rate-limit.ts";
import { requestContext } from "./middleware/request-context.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { adminRoutes } from "./routes/admin-routes.ts";
import { authRoutes } from "./routes/auth-routes.ts";
import { bookingRoutes, isBookingCommand } from "./routes/booking-routes.ts";
import { docsRoutes } from "./routes/docs-routes.ts";
import { healthRoutes } from "./routes/health-routes.ts";
import { notificationRoutes } from "./routes/notification-routes.ts";
import { paymentAccountRoutes } from "./routes/payment-account-routes.ts";
import { paymentRoutes } from "./routes/payment-routes.ts";
import { payoutRoutes } from "./routes/payout-routes.ts";
import { searchRoutes } from "./routes/search-routes.ts";
import { spaceAvailabilityRoutes } from "./routes/space-availability-routes.ts";
import { spaceRoutes } from "./routes/space-routes.ts";
import { stripeWebhookRoutes } from "./routes/stripe-webhook-routes.ts";
import { userRoutes } from "./routes/user-routes.ts";

export function createApp(deps: AppDeps) {
  const { config } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(onError);
  app.notFound(onNotFound);

  app.use("*", requestContext(deps.logger, deps.metrics));
  app.use(
    "*",
    securityHeaders({ publicUrl: config.PUBLIC_URL, tileOrigin: tileOrigin(config.MAP_TILE_URL) }),
  );
  app.use("/api/*", apiCors(config.CORS_ALLOWED_ORIGINS));
  app.use("/api/*", apiBodyLimit(config));
  app.use("/api/*", identify(deps.accessTokens));
  app.use(
    "/api/v1/auth/*",
    ipRateLimit(deps.redis, {
      name: "auth",
      perMinute: config.AUTH_RATE_PER_IP_PER_MINUTE,
      trustProxy: config.TRUST_PROXY,
    }),
  );
  app.use(
    "/api/*",
    idempotency(deps.pool, {
      ttlHours: config.IDEMPOTENCY_TTL_HOURS,
      leaseSeconds: config.IDEMPOTENCY_LEASE_SECONDS,
      sealingSecret: config.JWT_SECRET,
      trustProxy: config.TRUST_PROXY,
      // Booking commands keep their keys in the space actors' own commits (booking-routes.ts); Stripe's
      // events are taken once by their event id (stripe-webhook-routes.ts).
      skip: (method, path) => isBookingCommand(method, path) || path === STRIPE_WEBHOOK_PATH,
    }),
  );

  const api = new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .route("/", authRoutes(deps))
    .route("/", userRoutes(deps))
    .route("/", adminRoutes(deps));
  api.route("/", spaceRoutes(deps));
  api.route("/", spaceAvailabilityRoutes(deps));
  api.route("/", searchRoutes(deps));
  api.route("/", bookingRoutes(deps));
  api.route("/", paymentRoutes(deps));
  api.route("/", paymentAccountRoutes(deps));
  api.route("/", payoutRoutes(deps));
  api.route("/", stripeWebhookRoutes(deps));
  api.route("/", notificationRoutes(deps));
  app.route("/api/v1", api);

  app.route("/", healthRoutes(deps));
  app.route("/", docsRoutes());
  app.route(
    "/",
    mapRoutes({
      demoDriver: config.NODE_ENV !== "production",
      testCards: config.PAYMENTS_ENABLED && Boolean(config.STRIPE_SECRET_KEY?.startsWith("sk_test_")),
      tiles: {
        url: config.MAP_TILE_URL,
        attribution: config.MAP_TILE_ATTRIBUTION,
        maxZoom: config.MAP_TILE_MAX_ZOOM,
      },
    }),
  );
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Parkealo live API",
      version: "1.0.0",
      description:
        "Errors are always { error: { code, message } }. Mutating calls honour Idempotency-Key (replay, 409 in flight, 422 on reuse).",
    },
    servers: [{ url: config.PUBLIC_URL, description: "This deployment (PUBLIC_URL)" }],
  });
  return app;
}
