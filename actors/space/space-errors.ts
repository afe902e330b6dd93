// One place that turns the space actor's rejections (and the ledger's) into the service's errors,
// with the HTTP status each code carries on the wire.
import { AppError, withoutStack } from "../../src/errors.ts";
import { REJECTION_STATUS, type SpaceRejection } from "./space-commands.ts";
import type { LedgerRejectionCode } from "./space-ledger.ts";

/** A decided refusal: an answer carried in a reply, so no stack trace is captured for it. */
export function rejectionError(rejection: SpaceRejection): AppError {
  return withoutStack(
    () =>
      new AppError(rejection.code, REJECTION_STATUS[rejection.code], rejection.message, rejection.details),
  );
}

export function ledgerRejectionError(code: LedgerRejectionCode, message: string): AppError {
  return new AppError(code, 409, message);
}
