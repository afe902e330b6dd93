// Stripe's error answers: `{ error: { type, code, message, param } }` with the status the SDK maps to
// its error classes (400 invalid request, 401 authentication, 402 card, 404 missing, 409 conflict).
import type { z } from "zod";

export type StripeErrorType = "invalid_request_error" | "card_error" | "idempotency_error" | "api_error";

export interface StripeErrorBody {
  type: StripeErrorType;
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  payment_intent?: unknown;
  doc_url?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    /** Refused before the endpoint ran (bad parameters): Stripe keeps no idempotent result of it. */
    readonly beforeExecution = false,
  ) {
    super(body.message);
  }
}

export const invalidRequest = (message: string, param?: string, code?: string) =>
  new StripeApiError(400, {
    type: "invalid_request_error",
    message,
    ...(param ? { param } : {}),
    ...(code ? { code } : {}),
  });

export const noSuchObject = (kind: string, id: string, param = "id") =>
  new StripeApiError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${kind}: '${id}'`,
  });

export const unexpectedState = (message: string) =>
  new StripeApiError(400, {
    type: "invalid_request_error",
    code: "payment_intent_unexpected_state",
    message,
  });

/** `a.b.0` → `a[b][0]`, as Stripe names a nested parameter. */
function paramName(path: PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return `${head ?? ""}${rest.map((p) => `[${p}]`).join("")}`;
}

/** A zod failure of a request's parameters, worded as Stripe words them. */
export function parameterError(error: z.ZodError, params: unknown): StripeApiError {
  const issue = error.issues[0];
  if (!issue)
    return new StripeApiError(400, { type: "invalid_request_error", message: "Invalid request" }, true);
  if (issue.code === "unrecognized_keys") {
    const param = paramName([...issue.path, issue.keys[0] ?? ""]);
    return new StripeApiError(
      400,
      {
        type: "invalid_request_error",
        code: "parameter_unknown",
        param,
        message: `Received unknown parameter: ${param}`,
      },
      true,
    );
  }
  const param = paramName(issue.path);
  const given = issue.path.reduce<unknown>(
    (node, key) =>
      node && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    params,
  );
  const missing = given === undefined;
  return new StripeApiError(
    400,
    {
      type: "invalid_request_error",
      code: missing ? "parameter_missing" : "parameter_invalid",
      param,
      message: missing ? `Missing required param: ${param}.` : `Invalid ${param}: ${issue.message}`,
    },
    true,
  );
}
