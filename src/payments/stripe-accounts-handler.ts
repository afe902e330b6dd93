// The outbox handler `stripe-accounts`: Stripe's `account.updated` events bring a host's stored
// account flags up to date. The flags come from the account as Stripe answers it now (read under the
// row's lock), not from the event's snapshot, so events that arrive late, out of order or twice all
// end in the account's current state.
import { UnrecoverableError } from "bullmq";
import type Stripe from "stripe";
import { z } from "zod";
import type { OutboxHandler } from "../jobs/outbox-handlers.ts";
import { STRIPE_AGGREGATE } from "../storage/stripe-events-repository.ts";
import { syncPaymentAccount } from "./host-accounts.ts";

export const STRIPE_ACCOUNTS_HANDLER = "stripe-accounts";

/** What the handler reads of the event: the account it is about. */
const accountEvent = z.object({
  data: z.object({ object: z.object({ id: z.string().regex(/^acct_\w+$/) }) }),
});

export function stripeAccountsHandler(stripe: Stripe): OutboxHandler {
  return {
    name: STRIPE_ACCOUNTS_HANDLER,
    handles: (event) => event.aggregateType === STRIPE_AGGREGATE && event.eventType === "account.updated",
    async handle(tx, event) {
      const parsed = accountEvent.safeParse(event.payload);
      if (!parsed.success) throw new UnrecoverableError(`Stripe event ${event.aggregateId} names no account`);
      await syncPaymentAccount(tx, stripe, parsed.data.data.object.id);
    },
  };
}
