// Per-account brute-force guard (rate-limiter-flexible on Redis): after N failed logins within the
// window the account answers 429 until the window passes, whatever address the attempts come from.
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../errors.ts";

export class LoginThrottle {
  private readonly failures: RateLimiterRedis;
  private readonly mails: RateLimiterRedis;

  constructor(redis: Redis, options: { maxFailures: number; windowSeconds: number }) {
    this.failures = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: "rl:login-fail",
      points: options.maxFailures,
      duration: options.windowSeconds,
    });
    // Mails an address can be sent per hour by forgot-password / resend-verification (no mail bombing).
    this.mails = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: "rl:account-mail",
      points: 5,
      duration: 3600,
    });
  }

  /** Throws 429 when the account is locked out by recent failures. */
  async assertNotLocked(email: string): Promise<void> {
    const state = await this.failures.get(email);
    if (state && state.consumedPoints >= this.failures.points) {
      throw errors.rateLimited(Math.ceil(state.msBeforeNext / 1000));
    }
  }

  async recordFailure(email: string): Promise<void> {
    await this.failures.penalty(email, 1);
  }

  async reset(email: string): Promise<void> {
    await this.failures.delete(email);
  }

  /** True when another mail may go to this address now. */
  async allowMail(email: string): Promise<boolean> {
    try {
      await this.mails.consume(email);
      return true;
    } catch (error) {
      if (error instanceof RateLimiterRes) return false;
      throw error;
    }
  }
}
