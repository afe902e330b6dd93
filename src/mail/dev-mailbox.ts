// A mailbox in Redis for development and tests: the last 50 mails per address, kept 7 days,
// readable through GET /api/v1/dev/mailbox/{email} when DEV_MAILBOX is on.
import type { Redis } from "ioredis";
import type { Mail, Mailer } from "./mailer.ts";

export interface StoredMail extends Mail {
  sentAt: string;
}

const KEEP = 50;
const TTL_SECONDS = 7 * 24 * 3600;
const keyOf = (address: string) => `devmail:${address.toLowerCase()}`;

export class DevMailbox implements Mailer {
  constructor(private readonly redis: Redis) {}

  async send(mail: Mail): Promise<void> {
    const key = keyOf(mail.to);
    const stored: StoredMail = { ...mail, sentAt: new Date().toISOString() };
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(stored))
      .ltrim(key, 0, KEEP - 1)
      .expire(key, TTL_SECONDS)
      .exec();
  }

  /** Newest first. */
  async read(address: string): Promise<StoredMail[]> {
    const raw = await this.redis.lrange(keyOf(address), 0, KEEP - 1);
    return raw.map((entry) => JSON.parse(entry) as StoredMail);
  }
}
