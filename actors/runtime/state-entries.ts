// An actor's state as stored: entries of one Redis hash (StateEntries in actor.ts). What a batch
// changed of the state, the write that stores it (all entries, or only the touched ones), and the
// state read back from its entries.
import type { AnyActorDefinition, StateEntries } from "./actor.ts";
import type { StateWrite } from "./driver.ts";

/** The key of the one entry of an actor that has no codec of its own: its whole state. */
const WHOLE_STATE_KEY = "";

/** Without a codec, the whole state is one entry, written again whenever it changes. */
const wholeStateEntries: StateEntries<unknown> = {
  all: (state) => [[WHOLE_STATE_KEY, state]],
  get: (state, key) => (key === WHOLE_STATE_KEY ? state : undefined),
  from: (entries) => entries.get(WHOLE_STATE_KEY),
};

/**
 * What commands changed of the state since it was last written: all of it ("whole": rebuilt,
 * reloaded, or a change that names no entries), the entries with these keys, or it is gone.
 * Undefined: nothing.
 */
export type StateChange = "whole" | "delete" | Set<string>;

/** The change `next` made after `earlier`, as one (sets of keys are merged into a new set). */
export function mergeChange(
  earlier: StateChange | undefined,
  next: StateChange | undefined,
): StateChange | undefined {
  if (next === undefined) return earlier;
  if (next === "whole" || next === "delete") return next;
  if (earlier === undefined) return new Set(next);
  // Entries changed after a whole write, or after the state was deleted (nothing of the old one
  // stays): the whole state is written.
  if (earlier === "whole" || earlier === "delete") return "whole";
  const keys = new Set(earlier);
  for (const key of next) keys.add(key);
  return keys;
}

/**
 * The write that stores `change` of `state` by the actor's codec (`entries`); undefined when
 * nothing is to be written. Without a codec the state is one entry: any change writes it whole.
 */
export function stateWrite(
  entries: StateEntries<unknown> | undefined,
  state: unknown,
  change: StateChange | undefined,
): StateWrite | undefined {
  if (change === undefined) return undefined;
  if (change === "delete") return { op: "delete" };
  // Null prototype: an entry key is the actor's own and may be any string.
  if (change === "whole" || entries === undefined) {
    const all: Record<string, string> = Object.create(null);
    for (const [key, value] of (entries ?? wholeStateEntries).all(state))
      if (value !== undefined) all[key] = JSON.stringify(value);
    return { op: "replace", entries: all };
  }
  if (change.size === 0) return undefined;
  const set: Record<string, string> = Object.create(null);
  const remove: string[] = [];
  for (const key of change) {
    const value = entries.get(state, key);
    if (value === undefined) remove.push(key);
    else set[key] = JSON.stringify(value);
  }
  return { op: "patch", set, remove };
}

/** The state read back from its entries, validated; ok false when they do not make a valid one. */
export function stateFromEntries(
  definition: AnyActorDefinition,
  stored: Readonly<Record<string, string>>,
): { ok: true; state: unknown } | { ok: false } {
  try {
    const values = new Map<string, unknown>();
    for (const key of Object.keys(stored)) values.set(key, JSON.parse(stored[key]!));
    const parsed = definition.stateSchema.safeParse((definition.entries ?? wholeStateEntries).from(values));
    return parsed.success ? { ok: true, state: parsed.data } : { ok: false };
  } catch {
    return { ok: false };
  }
}
