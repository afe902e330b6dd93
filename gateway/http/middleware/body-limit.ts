// Request-body size limits for /api/*: BODY_LIMIT_BYTES for every call, except image uploads, which may
// carry one image of up to SPACE_IMAGE_MAX_BYTES plus the multipart envelope, and Stripe's webhook
// events, up to STRIPE_WEBHOOK_MAX_BYTES. It runs before any
// middleware that reads the body (idempotency), so nothing reads an oversized body.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../../../src/config/index.ts";
import { AppError } from "../../../src/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { STRIPE_WEBHOOK_MAX_BYTES, STRIPE_WEBHOOK_PATH } from "../host-payment-schemas.ts";

/** Room for the multipart boundaries and part headers around the file. */
export const MULTIPART_ENVELOPE_BYTES = 16 * 1024;
const IMAGE_UPLOAD_PATH = /^\/api\/v1\/spaces\/[^/]+\/images\/?$/;
const DECIMAL = /^\d+$/;

const tooLarge = (maxSize: number) =>
  new AppError("payload_too_large", 413, `request body exceeds ${maxSize} bytes`);

/**
 * A body declared by Content-Length (no Transfer-Encoding) is judged by its header: node's HTTP
 * parser delivers exactly that many bytes, no more. Only a chunked body is counted as it streams
 * (hono's bodyLimit), because that reads `c.req.raw.body`, which makes @hono/node-server build a
 * whole web Request and stream around the socket — on every call, a GET included, it was the
 * largest single cost of a booking request in the gateway.
 */
const limit = (maxSize: number): MiddlewareHandler<AppEnv> => {
  const streamed = bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge(maxSize);
    },
  });
  return (c, next) => {
    const method = c.req.method;
    const length = c.req.header("content-length");
    const chunked = c.req.header("transfer-encoding") !== undefined;
    if (!chunked && (method === "GET" || method === "HEAD") && length === undefined) return next();
    if (!chunked && length !== undefined && DECIMAL.test(length.trim())) {
      if (Number(length.trim()) > maxSize) throw tooLarge(maxSize);
      return next();
    }
    return streamed(c, next);
  };
};

export function apiBodyLimit(
  config: Pick<Config, "BODY_LIMIT_BYTES" | "SPACE_IMAGE_MAX_BYTES">,
): MiddlewareHandler<AppEnv> {
  const standard = limit(config.BODY_LIMIT_BYTES);
  const imageUpload = limit(config.SPACE_IMAGE_MAX_BYTES + MULTIPART_ENVELOPE_BYTES);
  const stripeEvent = limit(STRIPE_WEBHOOK_MAX_BYTES);
  return (c, next) => {
    if (c.req.method !== "POST") return standard(c, next);
    if (IMAGE_UPLOAD_PATH.test(c.req.path)) return imageUpload(c, next);
    if (c.req.path === STRIPE_WEBHOOK_PATH) return stripeEvent(c, next);
    return standard(c, next);
  };
}
