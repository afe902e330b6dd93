// Idempotency-Key as Stripe keeps it: per secret key, for 24 hours. The same key with the same request
// replays the first answer (with `Idempotent-Replayed: true`); with another request it is a 400
// idempotency_error. Requests refused for bad parameters leave nothing behind, as at Stripe.
import { StripeApiError } from "./errors.ts";
import type { IdempotentResult, World } from "./store.ts";

/** Objects with their keys sorted, so that parameter order does not make two requests differ. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function fingerprint(
  method: string,
  path: string,
  account: string | undefined,
  params: unknown,
): string {
  return JSON.stringify([method, path, account ?? null, canonical(params)]);
}

/** The stored answer to replay, or undefined when the key is new (or expired). */
export function replayFor(
  world: World,
  key: string,
  print: string,
  ttlMs: number,
  now = Date.now(),
): IdempotentResult | undefined {
  const stored = world.idempotency.get(key);
  if (!stored || now - stored.storedAt >= ttlMs) return undefined;
  if (stored.fingerprint !== print) {
    throw new StripeApiError(
      400,
      {
        type: "idempotency_error",
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      },
      true,
    );
  }
  return stored;
}

/**
 * Keeps a result for `ttlMs`. At most `maxKeys` per secret key: past that the oldest go first (a bound
 * on memory under load tests, where the SDK keys every POST; Stripe itself has none).
 */
export function remember(
  world: World,
  key: string,
  result: Omit<IdempotentResult, "storedAt">,
  limits: { ttlMs: number; maxKeys: number },
) {
  const now = Date.now();
  world.idempotency.delete(key);
  // Insertion order is time order: the expired ones are at the front.
  for (const [oldKey, old] of world.idempotency) {
    if (now - old.storedAt < limits.ttlMs && world.idempotency.size < limits.maxKeys) break;
    world.idempotency.delete(oldKey);
  }
  world.idempotency.delete(key);
  world.idempotency.set(key, { ...result, storedAt: now });
}
