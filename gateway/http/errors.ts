// Turns anything thrown in a request into the one error shape { error: { code, message } } with the
// right status. Validation failures name the fields; unexpected errors are logged and answered 500
// without internals.
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { AppError, errors } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import type { AppEnv } from "./app-env.ts";

export function validationError(error: z.ZodError, where: string): AppError {
  const details = error.issues.map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
    ...(issue.code === "unrecognized_keys" ? { keys: issue.keys } : {}),
  }));
  const first = details[0];
  const message = first
    ? `invalid ${where}: ${first.path ? `${first.path}: ` : ""}${first.message}`
    : `invalid ${where}`;
  return errors.validation(message, details);
}

/** The hook @hono/zod-openapi calls with every validation result. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
  _c: Context,
): undefined {
  if (!result.success) throw validationError(result.error, result.target === "json" ? "body" : result.target);
  return undefined;
}

function fromHttpException(error: HTTPException): AppError {
  switch (error.status) {
    case 400:
      return /json/i.test(error.message)
        ? new AppError("invalid_json", 400, "request body is not valid JSON")
        : errors.validation(error.message || "bad request");
    case 413:
      return new AppError("payload_too_large", 413, "request body is too large");
    case 415:
      return new AppError("unsupported_media_type", 415, "send the body as application/json");
    case 401:
      return errors.unauthenticated(error.message || undefined);
    case 403:
      return errors.forbidden(error.message || undefined);
    case 404:
      return errors.notFound("resource");
    default:
      return errors.internal(error.message);
  }
}

export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const appError =
    error instanceof AppError
      ? error
      : error instanceof HTTPException
        ? fromHttpException(error)
        : errors.internal(error instanceof Error ? error.message : String(error));
  // c.get, not c.var: c.var copies every variable into a new object, and refusals are common answers.
  const logger: Logger | undefined = c.get("logger");
  if (appError.status >= 500) logger?.error({ err: error }, "request failed");
  else logger?.debug({ code: appError.code, status: appError.status }, appError.message);
  const retryAfter = retryAfterOf(appError);
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  return c.json(appError.toBody(), appError.status as ContentfulStatusCode);
};

/** Seconds a refusal tells the caller to wait (details.retryAfterSeconds), for the Retry-After header. */
function retryAfterOf(error: AppError): number | undefined {
  const details = error.details;
  if (typeof details !== "object" || details === null || !("retryAfterSeconds" in details)) return undefined;
  const seconds = details.retryAfterSeconds;
  return typeof seconds === "number" && seconds > 0 ? Math.ceil(seconds) : undefined;
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(errors.notFound(`route ${c.req.method} ${c.req.path}`).toBody(), 404);
