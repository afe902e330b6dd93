// Idempotency-Key on mutating calls: the same key with the same request replays the first answer;
// with another request, 422; while the first is still running, 409. Keys are scoped to the caller
// and kept IDEMPOTENCY_TTL_HOURS. Only answers that a retry must see again are kept (2xx, 409, 422);
// after any other answer the key is released so a corrected retry runs.
import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AppError } from "../../../src/errors.ts";
import * as repo from "../../../src/storage/idempotency-repository.ts";
import type { Pool } from "../../../src/storage/postgres.ts";
import type { AppEnv } from "../app-env.ts";
import { clientIp } from "../client-ip.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

function kept(status: number) {
  return (status >= 200 && status < 300) || status === 409 || status === 422;
}

export function idempotency(
  pool: Pool,
  options: { ttlHours: number; trustProxy: boolean },
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined || !MUTATING.has(c.req.method)) return next();
    if (!KEY_FORMAT.test(key)) {
      throw new AppError(
        "idempotency_key_invalid",
        400,
        "Idempotency-Key must be 1-255 visible ASCII characters",
      );
    }
    const scope = c.var.user ? `user:${c.var.user.id}` : `ip:${clientIp(c, options.trustProxy)}`;
    const body = await c.req.text();
    const requestHash = createHash("sha256").update(`${c.req.method} ${c.req.path}\n${body}`).digest("hex");

    const claim = await repo.claimKey(pool, scope, key, requestHash, options.ttlHours);
    if (claim.outcome !== "claimed" && claim.requestHash !== requestHash) {
      throw new AppError(
        "idempotency_key_reused",
        422,
        "this Idempotency-Key was used with a different request",
      );
    }
    if (claim.outcome === "in_flight") {
      throw new AppError(
        "idempotency_in_flight",
        409,
        "a request with this Idempotency-Key is still being processed",
      );
    }
    if (claim.outcome === "done") {
      return c.body(claim.body, claim.status as 200, {
        ...(claim.contentType ? { "Content-Type": claim.contentType } : {}),
        "Idempotent-Replayed": "true",
      });
    }

    try {
      await next();
    } finally {
      const status = c.res.status;
      if (kept(status)) {
        const response = c.res.clone();
        await repo.completeKey(pool, scope, key, {
          status,
          body: await response.text(),
          contentType: response.headers.get("content-type"),
        });
      } else {
        await repo.releaseKey(pool, scope, key);
      }
    }
  };
}
