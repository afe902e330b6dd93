// Idempotency-Key on mutating calls: the same key with the same request replays the first answer;
// with another request, 422; while the first is still running, 409. Keys are scoped to the caller
// and kept IDEMPOTENCY_TTL_HOURS. Only answers that a retry must see again are kept (2xx, 409, 422);
// after any other answer the key is released so a corrected retry runs.
import { createHash } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { AppError, errors } from "../../../src/errors.ts";
import * as repo from "../../../src/storage/idempotency-repository.ts";
import type { Pool } from "../../../src/storage/postgres.ts";
import type { AppEnv } from "../app-env.ts";
import { clientIp } from "../client-ip.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

function kept(status: number) {
  return (status >= 200 && status < 300) || status === 409 || status === 422;
}

/**
 * sha-256 of method, path and body. The body is read as bytes (text would mangle binary uploads for the
 * handlers after us). A multipart body is hashed by its parts, not its bytes: a client's retry sends
 * the same parts under a new random boundary.
 */
async function requestFingerprint(c: Context<AppEnv>): Promise<string> {
  const hash = createHash("sha256").update(`${c.req.method} ${c.req.path}\n`);
  if (/^multipart\/form-data/i.test(c.req.header("content-type") ?? "")) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw errors.validation("malformed multipart/form-data body");
    }
    for (const [name, value] of form.entries()) {
      if (typeof value === "string") {
        hash.update(`${JSON.stringify(["field", name, value.length])}\n`).update(value);
      } else {
        hash.update(`${JSON.stringify(["file", name, value.name, value.type, value.size])}\n`);
        hash.update(new Uint8Array(await value.arrayBuffer()));
      }
    }
  } else {
    hash.update(new Uint8Array(await c.req.arrayBuffer()));
  }
  return hash.digest("hex");
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
    const user = c.get("user");
    const scope = user ? `user:${user.id}` : `ip:${clientIp(c, options.trustProxy)}`;
    const requestHash = await requestFingerprint(c);

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
