// Requests per client address per minute (rate-limiter-flexible on Redis, so every gateway process
// counts together). Over the limit: 429 with Retry-After.
import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../../../src/errors.ts";
import type { AppEnv } from "../app-env.ts";
import { clientIp } from "../client-ip.ts";

export function ipRateLimit(
  redis: Redis,
  options: { name: string; perMinute: number; trustProxy: number },
): MiddlewareHandler<AppEnv> {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `rl:ip:${options.name}`,
    points: options.perMinute,
    duration: 60,
  });
  return async (c, next) => {
    try {
      await limiter.consume(clientIp(c, options.trustProxy));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw errors.rateLimited(seconds);
    }
    await next();
  };
}
