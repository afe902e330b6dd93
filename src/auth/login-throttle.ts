// Per-account brute-force guard (rate-limiter-flexible on Redis): every login attempt takes one of the
// account's N points (an atomic increment) before its password is judged, and a success gives them
// back; so however many attempts arrive at once, at most N per window are judged and the rest answer
// 429 until the window passes, whatever address they come from.
import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../errors.ts";

export class LoginThrottle {
  private readonly failures: RateLimiterRedis;
  private readonly mails: RateLimiterRedis;

  constructor(redis: Redis, options: { maxFailures: number; windowSeconds: number }) {
    this.failures = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: "rl:login-attempt",
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

  /** Counts one attempt against the account before it is judged; 429 once the window's are used up. */
  async admitAttempt(email: string): Promise<void> {
    try {
      await this.failures.consume(email);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      throw errors.rateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
    }
  }

  /** After a successful login: the account's earlier attempts no longer count. */
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
