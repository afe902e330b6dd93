// Reads the mail the app sent, from the dev inbox that `npm test` started (its JSON API), as a user's
// mailbox would show it. Mail goes out after the answer (background tasks) and over SMTP, so reads that
// expect mail wait until it is there.
import { expect } from "vitest";
import type { InboxMessage } from "../../devstack/dev-inbox/store.ts";

export type { InboxMessage };

export interface TestInbox {
  /** The inbox's base URL (its page; JSON under /api/messages). */
  url: string;
  /** The messages for `address` now, newest first. */
  list(address: string): Promise<InboxMessage[]>;
  /**
   * Waits until `address` has at least `count` messages whose subject matches (default: any, 1), then
   * returns those, newest first; fails the test after `timeoutMs`.
   */
  waitFor(
    address: string,
    options?: { subject?: RegExp; count?: number; timeoutMs?: number },
  ): Promise<InboxMessage[]>;
}

export function testInbox(): TestInbox {
  const url = process.env.DEV_INBOX_URL;
  if (!url) throw new Error("DEV_INBOX_URL is not set: run the tests with `npm test`");
  async function list(address: string): Promise<InboxMessage[]> {
    const response = await fetch(`${url}/api/messages?to=${encodeURIComponent(address)}`);
    if (!response.ok) throw new Error(`dev inbox answered ${response.status}`);
    return ((await response.json()) as { messages: InboxMessage[] }).messages;
  }
  return {
    url,
    list,
    async waitFor(address, { subject = /./, count = 1, timeoutMs = 5000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = (await list(address)).filter((m) => subject.test(m.subject));
        if (matching.length >= count || Date.now() > deadline) {
          expect(matching.length, `mails matching ${subject} to ${address}`).toBeGreaterThanOrEqual(count);
          return matching;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/** The first link in a mail's text part that starts with `base` (the app's PUBLIC_URL). */
export function linkIn(message: InboxMessage, base: string): URL {
  const found = message.text.match(/https?:\/\/\S+/g)?.find((candidate) => candidate.startsWith(base));
  expect(found, `a link to ${base} in "${message.subject}"`).toBeDefined();
  return new URL(found!);
}
