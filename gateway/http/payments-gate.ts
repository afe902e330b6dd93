// Payments' checks in the gateway: every payment route's first one (payments are on, else 409
// payments_disabled), and the rule that, with payments on, only a host whose payment account is ready
// publishes a space (an active listing is bookable, and a booking is paid to that account).
import { AppError } from "../../src/errors.ts";
import { readyPaymentAccount } from "../../src/payments/host-accounts.ts";
import type { Payments } from "../../src/payments/payments.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import type { AppDeps } from "./deps.ts";

export function enabledPayments(deps: Pick<AppDeps, "config" | "hostPayments">): Payments {
  if (!deps.config.PAYMENTS_ENABLED || !deps.hostPayments) {
    throw new AppError("payments_disabled", 409, "payments are not enabled on this deployment");
  }
  return deps.hostPayments;
}

/** With PAYMENTS_ENABLED, 409 payment_account_not_ready unless the space's host can be paid. */
export async function refuseToPublishUnlessPayable(
  deps: Pick<AppDeps, "config">,
  db: Queryable,
  hostId: string,
): Promise<void> {
  if (deps.config.PAYMENTS_ENABLED) await readyPaymentAccount(db, hostId);
}
