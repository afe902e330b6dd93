// One error type for the whole service: a machine code, an HTTP status, and whether its message
// may be shown to callers. Every 4xx body has the shape { error: { code, message, details? } }.

export type ErrorCode =
  | "validation_failed"
  | "invalid_json"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unauthenticated"
  | "invalid_credentials"
  | "token_expired"
  | "refresh_token_reused"
  | "forbidden"
  | "not_found"
  | "email_taken"
  | "invalid_token"
  | "rate_limited"
  | "idempotency_key_reused"
  | "idempotency_in_flight"
  | "idempotency_key_invalid"
  | "conflict"
  | "internal"
  | "space_has_bookings"
  | "too_many_images"
  | "actor_timeout"
  | "actor_failed"
  | "actor_unavailable"
  | "space_moved"
  | "schedule_conflicts_with_bookings"
  | "slot_unavailable"
  | "outside_schedule"
  | "too_short"
  | "too_long"
  | "too_soon"
  | "beyond_horizon"
  | "too_many_pending_requests"
  | "invalid_window"
  | "not_allowed"
  | "invalid_transition"
  | "price_too_large"
  | "ledger_refused"
  | "not_awaiting_payment"
  | "host_cannot_take_payments"
  | "payment_exists"
  | "payment_provider_unavailable"
  | "payments_disabled"
  | "refund_too_large"
  | "payment_account_not_ready"
  | "payout_refused"
  | "invalid_signature";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503,
    message: string,
    readonly details?: unknown,
    /** false: the message is for logs only; callers see a generic one. */
    readonly isPublic = true,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    const message = this.isPublic ? this.message : "internal error";
    return {
      error: { code: this.code, message, ...(this.details === undefined ? {} : { details: this.details }) },
    };
  }
}

export const errors = {
  validation: (message: string, details?: unknown) =>
    new AppError("validation_failed", 400, message, details),
  unauthenticated: (message = "authentication required") => new AppError("unauthenticated", 401, message),
  forbidden: (message = "not allowed") => new AppError("forbidden", 403, message),
  notFound: (what: string) => new AppError("not_found", 404, `${what} not found`),
  conflict: (code: ErrorCode, message: string) => new AppError(code, 409, message),
  /** Another request under an Idempotency-Key used before (every key store answers it alike). */
  keyReused: () =>
    new AppError("idempotency_key_reused", 422, "this Idempotency-Key was used with a different request"),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError("rate_limited", 429, `too many requests; retry in ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    }),
  internal: (message: string) => new AppError("internal", 500, message, undefined, false),
};

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * Builds an error without capturing a stack trace: for refusals that are answers, not faults (an
 * actor's decided 409 made in the worker and again in the gateway, thousands a second on a hot
 * space), where the stack says nothing and capturing it was a visible share of the CPU.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
