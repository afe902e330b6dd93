// Stripe's request encoding: `application/x-www-form-urlencoded` with `a[b][c]=v` nesting and
// `a[0]=x` (or `a[]=x`) lists, decoded into plain objects for the resources' zod schemas.
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

/** `a[b][0]` → ["a", "b", "0"]; a malformed key is kept whole. */
function keyPath(key: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match) return [key];
  const rest = [...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "");
  return [match[1] ?? key, ...rest];
}

/** Objects whose keys are all list indexes (or `[]` pushes) become arrays, in index order. */
function listsFromIndexes(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const entries = Object.entries(value).map(([k, v]) => [k, listsFromIndexes(v)] as const);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k) || k.startsWith("\u0000push"))) {
    return entries
      .sort(([a], [b]) => (a.startsWith("\u0000") || b.startsWith("\u0000") ? 0 : Number(a) - Number(b)))
      .map(([, v]) => v);
  }
  return Object.fromEntries(entries);
}

export function decodeForm(body: string): Record<string, FormValue> {
  const root: Record<string, FormValue> = {};
  let pushes = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    const path = keyPath(key).map((part) => (part === "" ? `\u0000push${pushes++}` : part));
    let node: Record<string, FormValue> = root;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || typeof next === "string" || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, FormValue>;
    }
    node[path.at(-1) as string] = value;
  }
  return listsFromIndexes(root) as Record<string, FormValue>;
}

/** The query string of a GET, decoded the same way (`expand[]=…`, `created[gte]=…`). */
export function decodeQuery(url: string): Record<string, FormValue> {
  return decodeForm(new URL(url).search.slice(1));
}
