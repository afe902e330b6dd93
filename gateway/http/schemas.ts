// OpenAPI-described schemas shared by several routes: the error body and the standard error responses.
import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

export const errorResponses = {
  400: errorResponse("Malformed or invalid input"),
  401: errorResponse("Missing, invalid or expired credentials"),
  403: errorResponse("Authenticated but not allowed"),
  404: errorResponse("Not found"),
  409: errorResponse(
    "Conflict with the current state, or the same Idempotency-Key in flight (then see Retry-After)",
  ),
  413: errorResponse("Body larger than the limit"),
  422: errorResponse("Idempotency-Key reused with another request, or a rule refused the request"),
  429: errorResponse("Rate limited; see Retry-After"),
  503: errorResponse("A service this request needs could not be reached; retry"),
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  ...(description ? { description } : {}),
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Routes open to everyone: no credentials asked (a token sent is ignored). */
export const anyone: Record<string, string[]>[] = [];

/** Routes open to everyone that show more to a signed-in manager (a space's host or an admin). */
export const anyoneOrSignedIn: Record<string, string[]>[] = [{}, { bearerAuth: [] }];

/**
 * A uuid as a request names a booking or a space, in its one spelling (lower case): an actor is
 * named by its space's id, so `ABC…` and `abc…` must not be two actors of one space.
 */
export const entityId = () => z.uuid().overwrite((id) => id.toLowerCase());
