// Stripe's list objects: `{ object: "list", data, has_more, url }`, newest first, paged with `limit`
// (1–100, default 10), `starting_after` and `ending_before`.
import { z } from "zod";
import { invalidRequest } from "./errors.ts";

export const listParams = {
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
  expand: z.array(z.string()).optional(),
};

export interface ListQuery {
  limit: number;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

/** `items` in creation order; the page is taken from the newest-first order Stripe lists in. */
export function listObject<T extends { id: string }>(items: T[], query: ListQuery, url: string) {
  const newestFirst = [...items].reverse();
  let from = 0;
  let to = newestFirst.length;
  if (query.starting_after) {
    const at = newestFirst.findIndex((item) => item.id === query.starting_after);
    if (at < 0)
      throw invalidRequest(`No such object: '${query.starting_after}'`, "starting_after", "resource_missing");
    from = at + 1;
  } else if (query.ending_before) {
    const at = newestFirst.findIndex((item) => item.id === query.ending_before);
    if (at < 0)
      throw invalidRequest(`No such object: '${query.ending_before}'`, "ending_before", "resource_missing");
    to = at;
    from = Math.max(0, to - query.limit);
  }
  const data = newestFirst.slice(from, Math.min(to, from + query.limit));
  return { object: "list" as const, data, has_more: from + data.length < to, url };
}
