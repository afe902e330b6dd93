// What a resource's handler sees of a request, and how resources add their routes.
import type { z } from "zod";
import type { FormValue } from "./form.ts";
import type { StripeEvent, World } from "./store.ts";

export interface ApiRequest {
  world: World;
  /** Path parameters (`:id`). */
  path: Record<string, string>;
  /** The `Stripe-Account` header: the connected account the call acts for. */
  stripeAccount: string | undefined;
  idempotencyKey: string | null;
  /** This server's own origin (for URLs it hands out). */
  origin: string;
  /** Parses the request's parameters (form body of a POST, query of a GET) with a strict schema. */
  parse<S extends z.ZodType>(schema: S): z.infer<S>;
  /** Records an event and sends it to the webhook endpoints. */
  emit(
    type: string,
    object: unknown,
    options?: { previous?: Record<string, unknown>; account?: string },
  ): StripeEvent;
}

export type Handler = (request: ApiRequest) => unknown;

export type AddRoute = (method: "GET" | "POST" | "DELETE", path: string, handler: Handler) => void;

export type Params = Record<string, FormValue>;
