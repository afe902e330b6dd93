// Parameter shapes several resources share, in Stripe's form encoding (every value arrives as a string).
import { z } from "zod";

/** `metadata[key]=value`: up to 50 keys of 40 characters, values of 500. */
export const metadataParam = z
  .record(z.string().max(40), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, "at most 50 keys")
  .optional();

/** A whole amount in the currency's smallest unit. */
export const amountParam = z.coerce.number().int().min(0).max(99_999_999);

export const currencyParam = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, "must be a three-letter ISO currency code")
  .transform((c) => c.toLowerCase());

export const boolParam = z.enum(["true", "false"]).transform((v) => v === "true");

export const expandParam = z.array(z.string()).optional();
