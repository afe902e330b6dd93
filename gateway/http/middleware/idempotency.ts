// Idempotency-Key on mutating calls: the same key with the same request replays the first answer;
// with another request, 422; while the first is still running, 409 with Retry-After. Keys are scoped
// to the caller and kept IDEMPOTENCY_TTL_HOURS. Only answers that a retry must see again are kept
// (2xx, 409, 422); after any other answer the key is released so a corrected retry runs. A running
// request holds its key by a lease of IDEMPOTENCY_LEASE_SECONDS that its gateway renews; a gateway
// that dies mid-request stops renewing, and once the lease passes a retry runs as if new. Every kept
// answer is sealed: the store alone cannot read it, a retry of the same request can.
import { createHash, type Hash, type Hmac, randomUUID } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { AppError, errors } from "../../../src/errors.ts";
import type { Logger } from "../../../src/logger.ts";
import * as repo from "../../../src/storage/idempotency-repository.ts";
import type { Pool } from "../../../src/storage/postgres.ts";
import type { AppEnv } from "../app-env.ts";
import { clientIp } from "../client-ip.ts";
import { idempotencyKeyOf } from "../idempotency-key.ts";
import { answerKeyHmac, answerSealingKey, openAnswer, sealAnswer } from "../sealed-answers.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

function kept(status: number) {
  return (status >= 200 && status < 300) || status === 409 || status === 422;
}

/**
 * Feeds method, path and body to each digest: the fingerprint the store keeps (sha-256) and the HMAC
 * that keys the sealed answer (gateway/http/sealed-answers.ts). The body is read as bytes (text would
 * mangle binary uploads for the handlers after us). A multipart body is read by its parts, not its
 * bytes: a client's retry sends the same parts under a new random boundary.
 */
async function readRequest(c: Context<AppEnv>, digests: Array<Hash | Hmac>): Promise<void> {
  const feed = (data: string | Uint8Array) => {
    for (const digest of digests) digest.update(data);
  };
  feed(`${c.req.method} ${c.req.path}\n`);
  if (/^multipart\/form-data/i.test(c.req.header("content-type") ?? "")) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw errors.validation("malformed multipart/form-data body");
    }
    for (const [name, value] of form.entries()) {
      if (typeof value === "string") {
        feed(`${JSON.stringify(["field", name, value.length])}\n`);
        feed(value);
      } else {
        feed(`${JSON.stringify(["file", name, value.name, value.type, value.size])}\n`);
        feed(new Uint8Array(await value.arrayBuffer()));
      }
    }
  } else {
    feed(new Uint8Array(await c.req.arrayBuffer()));
  }
}

export interface IdempotencyOptions {
  ttlHours: number;
  /** How long a claim blocks its key once its gateway stops renewing it. */
  leaseSeconds: number;
  /** The server's secret (JWT_SECRET); kept answers are sealed under keys derived from a sub-key of it. */
  sealingSecret: string;
  /** Trusted proxies in front (TRUST_PROXY): which X-Forwarded-For hop is the client (client-ip.ts). */
  trustProxy: number;
  /** Requests this middleware leaves alone (routes that keep their own idempotency); none by default. */
  skip?: (method: string, path: string) => boolean;
}

type ClaimOrReplay =
  | { outcome: "claimed" }
  | { outcome: "reused" }
  | { outcome: "in_flight"; retryAfterSeconds: number }
  | { outcome: "replay"; answer: Omit<repo.KeptAnswer, "sealed"> };

/**
 * Claims the key for this request, or finds what stands in its way. A kept answer that cannot be
 * opened (sealed under another server secret) counts as gone, as if past its time: it is forgotten
 * and the key claimed anew.
 */
async function claimOrReplay(
  pool: Pool,
  request: repo.ClaimRequest,
  answerKey: Buffer,
  logger: Logger,
): Promise<ClaimOrReplay> {
  for (let attempt = 1; ; attempt++) {
    const claim = await repo.claimKey(pool, request);
    if (claim.outcome === "claimed") return claim;
    if (claim.requestHash !== request.requestHash) return { outcome: "reused" };
    if (claim.outcome === "in_flight") return claim;
    const { answer } = claim;
    const body = answer.sealed ? openAnswer(answerKey, answer.body) : answer.body;
    if (body !== undefined) {
      return { outcome: "replay", answer: { status: answer.status, body, contentType: answer.contentType } };
    }
    if (attempt > 1 || claim.leaseId === null) throw errors.internal("a kept answer cannot be opened");
    logger.warn("a kept idempotent answer cannot be opened (JWT_SECRET changed?); the request runs again");
    await repo.forgetAnswer(pool, { scope: request.scope, key: request.key, leaseId: claim.leaseId });
  }
}

/**
 * Renews the claim every third of its lease while its request runs, so that only a dead gateway's
 * claim lapses. Returns the function that stops renewing.
 */
function holdLease(pool: Pool, claim: repo.ClaimRef, leaseSeconds: number, logger: Logger): () => void {
  const timer = setInterval(
    () => {
      repo.renewClaim(pool, claim, leaseSeconds).then(
        (held) => {
          if (held) return;
          clearInterval(timer);
          logger.warn("idempotency claim lost to a retry while its request ran");
        },
        (error: unknown) => logger.warn({ err: error }, "could not renew an idempotency claim"),
      );
    },
    (leaseSeconds * 1000) / 3,
  );
  timer.unref();
  return () => clearInterval(timer);
}

export function idempotency(pool: Pool, options: IdempotencyOptions): MiddlewareHandler<AppEnv> {
  const { ttlHours, leaseSeconds, skip } = options;
  const sealingKey = answerSealingKey(options.sealingSecret);
  return async (c, next) => {
    if (!MUTATING.has(c.req.method) || skip?.(c.req.method, c.req.path)) return next();
    const key = idempotencyKeyOf(c);
    if (key === undefined) return next();
    const user = c.get("user");
    const scope = user ? `user:${user.id}` : `ip:${clientIp(c, options.trustProxy)}`;
    const fingerprint = createHash("sha256");
    const answerKeyDigest = answerKeyHmac(sealingKey, scope, key);
    await readRequest(c, [fingerprint, answerKeyDigest]);
    const answerKey = answerKeyDigest.digest();

    const logger = c.get("logger");
    const ref: repo.ClaimRef = { scope, key, leaseId: randomUUID() };
    const request = { ...ref, requestHash: fingerprint.digest("hex"), leaseSeconds, ttlHours };
    const claim = await claimOrReplay(pool, request, answerKey, logger);
    if (claim.outcome === "reused") {
      throw errors.keyReused();
    }
    if (claim.outcome === "in_flight") {
      // The error handler sets Retry-After from details.retryAfterSeconds.
      const retryAfterSeconds = claim.retryAfterSeconds;
      throw new AppError(
        "idempotency_in_flight",
        409,
        `a request with this Idempotency-Key is still being processed; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
    if (claim.outcome === "replay") {
      const { answer } = claim;
      return c.body(answer.body, answer.status as 200, {
        ...(answer.contentType ? { "Content-Type": answer.contentType } : {}),
        "Idempotent-Replayed": "true",
      });
    }

    const stopRenewing = holdLease(pool, ref, leaseSeconds, logger);
    try {
      await next();
    } finally {
      stopRenewing();
      const status = c.res.status;
      if (kept(status)) {
        const response = c.res.clone();
        const answer = {
          status,
          body: sealAnswer(answerKey, await response.text()),
          contentType: response.headers.get("content-type"),
          sealed: true,
        };
        if (!(await repo.completeKey(pool, ref, answer))) {
          logger.warn("answered after a retry took over the idempotency claim; this answer is not kept");
        }
      } else {
        await repo.releaseKey(pool, ref);
      }
    }
  };
}
