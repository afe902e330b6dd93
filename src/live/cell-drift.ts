// Pure: whether the spaces a live cell holds in Redis disagree with what the ledger derives for it
// now. A space missing or extra, a state, point or price that differs, or a free-until / next-free
// instant that differs within the next day is drift. Not drift: an instant both sides put more than
// a day ahead (the derivation's horizon moves with time, so a state published days ago names a
// later horizon end than one derived now), and a stored space whose own boundary has passed (the
// gateways' boundary ticker recomputes it; see boundary-refresh.ts).
import { boundaryOf } from "./space-boundaries.ts";
import { type SpaceLiveState, spaceLiveStateSchema } from "./space-live-state.ts";

const DAY_MS = 86_400_000;

/** Instants (ISO) agree when equal, or when both are more than a day after `now` (or unknown). */
function sameInstant(a: string | undefined, b: string | undefined, now: number): boolean {
  if (a === b) return true;
  const far = (x: string | undefined) => x === undefined || Date.parse(x) > now + DAY_MS;
  return far(a) && far(b);
}

function sameSpace(stored: SpaceLiveState, truth: SpaceLiveState, now: number): boolean {
  return (
    stored.state === truth.state &&
    stored.lat === truth.lat &&
    stored.lng === truth.lng &&
    stored.hourly === truth.hourly &&
    stored.currency === truth.currency &&
    sameInstant(stored.freeUntil, truth.freeUntil, now) &&
    sameInstant(stored.nextFreeAt, truth.nextFreeAt, now)
  );
}

/**
 * The ids of the spaces on which `stored` (space id → canonical JSON, as the cell's hash holds it)
 * and the ledger's `truth` at `now` (epoch ms) disagree; empty when the cell is right.
 */
export function cellDrift(
  stored: ReadonlyMap<string, string>,
  truth: readonly SpaceLiveState[],
  now: number,
): string[] {
  const drift: string[] = [];
  const expected = new Map(truth.map((s) => [s.id, s]));
  for (const id of stored.keys()) if (!expected.has(id)) drift.push(id);
  for (const [id, want] of expected) {
    const json = stored.get(id);
    if (json === undefined) {
      drift.push(id);
      continue;
    }
    let parsed: ReturnType<typeof spaceLiveStateSchema.safeParse>;
    try {
      parsed = spaceLiveStateSchema.safeParse(JSON.parse(json));
    } catch {
      drift.push(id);
      continue;
    }
    if (!parsed.success || parsed.data.id !== id) {
      drift.push(id);
      continue;
    }
    const boundary = boundaryOf(parsed.data);
    if (boundary !== undefined && boundary <= now) continue;
    if (!sameSpace(parsed.data, want, now)) drift.push(id);
  }
  return drift;
}
