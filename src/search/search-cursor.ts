// Opaque pagination cursors: the sort key of the last result a page returned, bound to the search
// it came from (a fingerprint of every field but limit and cursor), base64url-encoded JSON.
import { createHash } from "node:crypto";
import { z } from "zod";
import { errors } from "../errors.ts";
import { SEARCH_LIMITS, type SearchRequest } from "./search-request.ts";

/** Where the next page starts: strictly after this key in the search's order. */
export interface SortKey {
  /** Total price for the window; part of the key when sorting by price. */
  readonly price: number | null;
  readonly distanceM: number;
  readonly id: string;
}

/** Every key a search can have given out: a whole price, a distance within the largest radius. */
const cursorSchema = z.strictObject({
  v: z.literal(1),
  q: z.string().max(64),
  p: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  d: z.number().min(0).max(SEARCH_LIMITS.maxRadiusM),
  id: z.uuid(),
});

/** Fingerprint of what the search asks (not how many results per page, nor where the page starts). */
export function searchFingerprint(request: SearchRequest): string {
  const { limit: _limit, cursor: _cursor, ...asked } = request;
  return createHash("sha256").update(JSON.stringify(asked)).digest("base64url").slice(0, 16);
}

export function encodeCursor(request: SearchRequest, key: SortKey): string {
  const body = { v: 1, q: searchFingerprint(request), p: key.price, d: key.distanceM, id: key.id };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

/** The key a cursor carries; 400 when it is malformed or belongs to another search. */
export function decodeCursor(request: SearchRequest, cursor: string): SortKey {
  let parsed: z.infer<typeof cursorSchema>;
  try {
    parsed = cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
  } catch {
    throw errors.validation("invalid search: cursor: not a cursor this search gave out", [
      { path: "cursor", message: "malformed" },
    ]);
  }
  if (parsed.q !== searchFingerprint(request)) {
    throw errors.validation("invalid search: cursor: belongs to another search", [
      { path: "cursor", message: "belongs to another search" },
    ]);
  }
  if ((parsed.p === null) !== (request.sort === "distance")) {
    throw errors.validation("invalid search: cursor: does not match the sort order", [
      { path: "cursor", message: "does not match the sort order" },
    ]);
  }
  return { price: parsed.p, distanceM: parsed.d, id: parsed.id };
}
