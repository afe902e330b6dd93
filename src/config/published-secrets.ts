// JWT secrets that anyone can read: the local development default and every value that has appeared
// in docker-compose.yml, the README, docs/ or the tests. Production refuses each of them, and any
// secret that is plainly weak, because whoever knows JWT_SECRET can sign an admin's access token.

/** The default outside production: fine on a laptop, refused in production. */
export const DEV_JWT_SECRET = "parkealo-local-development-secret-change-me";

export const PUBLISHED_JWT_SECRETS: ReadonlySet<string> = new Set([
  DEV_JWT_SECRET,
  // docker-compose.yml's former fallback for an unset JWT_SECRET.
  "change-me-to-a-long-random-secret-of-32+chars",
  // test/integration/idempotency.test.ts (a rotated secret).
  "a-rotated-secret-of-at-least-32-characters",
]);

/** Fewer distinct characters than this is a pattern, not a random secret ("x" × 40, "abab…"). */
export const MIN_DISTINCT_SECRET_CHARACTERS = 10;

const PLACEHOLDER_WORDS = /change[\s_-]*me|changeme|replace[\s_-]*me|example|placeholder|your[\s_-]*secret/i;

/** Why `secret` must not sign production tokens, or undefined when it may. */
export function weakSecretReason(secret: string): string | undefined {
  if (PUBLISHED_JWT_SECRETS.has(secret))
    return "is a published default (development, docker-compose or docs)";
  if (new Set(secret).size < MIN_DISTINCT_SECRET_CHARACTERS) {
    return `is plainly weak (fewer than ${MIN_DISTINCT_SECRET_CHARACTERS} distinct characters)`;
  }
  if (PLACEHOLDER_WORDS.test(secret)) return "looks like a placeholder (change-me, example, …)";
  return undefined;
}
