// Newest-first pages of a table keyed by (created_at, id): the cursor column to select, the
// condition that starts a page after a cursor, and the page cut from the rows read (one row more
// than the page, to know whether another follows).

/** Position in a newest-first list: created_at to the microsecond (as text) and id. */
export interface NewestFirstCursor {
  createdAt: string;
  id: string;
}

/** The selected column a page's cursor is read from, for the table aliased `alias`. */
export const cursorAtColumn = (alias: string) =>
  `to_char(${alias}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"`;

/** The condition for rows after `after` (its values appended to `params`). */
export function afterCursor(alias: string, params: unknown[], after: NewestFirstCursor): string {
  params.push(after.createdAt, after.id);
  return `(${alias}.created_at, ${alias}.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
}

/** The page of `limit` rows out of up to limit + 1 read, and the cursor of the next page if any. */
export function cutPage<T extends { id: string; cursorAt: string }>(
  rows: readonly T[],
  limit: number,
): { items: Omit<T, "cursorAt">[]; next?: NewestFirstCursor } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows.at(-1);
  const items = pageRows.map(({ cursorAt: _, ...item }) => item);
  return rows.length > limit && last ? { items, next: { createdAt: last.cursorAt, id: last.id } } : { items };
}
