// Text fields of request bodies and queries: PostgreSQL text cannot hold NUL, so every field that
// reaches it refuses NUL here (a 400 naming the field) rather than failing in the database (a 500).
import { z } from "@hono/zod-openapi";

const NUL_MESSAGE = "must not contain NUL characters";

export const noNul = (value: string) => !value.includes("\u0000");

/** Any string without NUL; chain min/max as with z.string(). */
export const nulFree = () => z.string().refine(noNul, NUL_MESSAGE);

/** Trimmed, 1 to `max` characters, no NUL. */
export const text = (max: number) => z.string().trim().min(1).max(max).refine(noNul, NUL_MESSAGE);

/** Trimmed, at most `max` characters, no NUL; null or absent allowed. */
export const optionalText = (max: number) =>
  z.string().trim().max(max).refine(noNul, NUL_MESSAGE).nullable().optional();

/** Trimmed, at most `max` characters (empty allowed), no NUL. */
export const freeText = (max: number) => z.string().trim().max(max).refine(noNul, NUL_MESSAGE);
