// The Idempotency-Key header as every mutating route reads it: its format (one rule for the generic
// key store and for booking commands, whose keys the space actors keep), and the fingerprint of a
// booking command's request that a key is bound to.
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { AppError } from "../../src/errors.ts";

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/** The request's Idempotency-Key; undefined without one; 400 idempotency_key_invalid when malformed. */
export function idempotencyKeyOf(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!KEY_FORMAT.test(key)) {
    throw new AppError(
      "idempotency_key_invalid",
      400,
      "Idempotency-Key must be 1-255 visible ASCII characters",
    );
  }
  return key;
}

/**
 * What a booking command asked, as a hash: the operation and its parameters after validation (instants
 * as epoch ms, absent optionals as null), so the same request written with other spacing or another
 * UTC offset is the same request, and anything that changes the decision is another one.
 */
export function commandFingerprint(operation: string, parameters: Readonly<Record<string, unknown>>): string {
  const canonical = JSON.stringify([
    operation,
    Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}
