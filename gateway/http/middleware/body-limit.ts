// Request-body size limits for /api/*: BODY_LIMIT_BYTES for every call, except image uploads, which may
// carry one image of up to SPACE_IMAGE_MAX_BYTES plus the multipart envelope. It runs before any
// middleware that reads the body (idempotency), so nothing reads an oversized body.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../../../src/config/index.ts";
import { AppError } from "../../../src/errors.ts";
import type { AppEnv } from "../app-env.ts";

/** Room for the multipart boundaries and part headers around the file. */
export const MULTIPART_ENVELOPE_BYTES = 16 * 1024;
const IMAGE_UPLOAD_PATH = /^\/api\/v1\/spaces\/[^/]+\/images\/?$/;

const limit = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("payload_too_large", 413, `request body exceeds ${maxSize} bytes`);
    },
  });

export function apiBodyLimit(
  config: Pick<Config, "BODY_LIMIT_BYTES" | "SPACE_IMAGE_MAX_BYTES">,
): MiddlewareHandler<AppEnv> {
  const standard = limit(config.BODY_LIMIT_BYTES);
  const imageUpload = limit(config.SPACE_IMAGE_MAX_BYTES + MULTIPART_ENVELOPE_BYTES);
  return (c, next) =>
    c.req.method === "POST" && IMAGE_UPLOAD_PATH.test(c.req.path) ? imageUpload(c, next) : standard(c, next);
}
