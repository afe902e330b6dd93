// One place that turns the space actor's rejections (and the ledger's) into the service's errors,
// with the HTTP status each code carries on the wire.
import { AppError } from "../../src/errors.ts";
import { REJECTION_STATUS, type SpaceRejection } from "./space-commands.ts";
import type { LedgerRejectionCode } from "./space-ledger.ts";

export function rejectionError(rejection: SpaceRejection): AppError {
  return new AppError(rejection.code, REJECTION_STATUS[rejection.code], rejection.message, rejection.details);
}

export function ledgerRejectionError(code: LedgerRejectionCode, message: string): AppError {
  return new AppError(code, 409, message);
}
