// What counts as a live cell disagreeing with the ledger: a space missing, extra, unreadable, or
// with another state, point, price or a near free-until; not a horizon-bound instant both sides put
// more than a day ahead, nor a stored state whose own boundary has passed (the ticker's job).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cellDrift, encodeSpaceLiveState, type SpaceLiveState } from "../../src/live/index.ts";

const now = Date.parse("2026-12-05T12:00:00.000Z");
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function space(overrides: Partial<SpaceLiveState> = {}): SpaceLiveState {
  return {
    id: randomUUID(),
    lat: 40.4169,
    lng: -3.7035,
    state: "available",
    freeUntil: iso(now + 3 * HOUR),
    hourly: 250,
    currency: "EUR",
    ...overrides,
  };
}

const stored = (...spaces: SpaceLiveState[]) => new Map(spaces.map((s) => [s.id, encodeSpaceLiveState(s)]));

describe("cellDrift", () => {
  it("finds none when the cell holds what the ledger derives", () => {
    const a = space();
    const b = space({ state: "occupied", freeUntil: undefined, nextFreeAt: iso(now + HOUR) });
    expect(cellDrift(stored(a, b), [a, b], now)).toEqual([]);
  });

  it("names a space with another state, point or price, a missing one and an extra one", () => {
    const [a, b, c, d, e] = [space(), space(), space(), space(), space()];
    const drift = cellDrift(
      stored({ ...a, state: "held", freeUntil: undefined }, { ...b, hourly: 300 }, { ...c, lat: 40.5 }, e),
      [a, b, c, d],
      now,
    );
    expect(drift.sort()).toEqual([a.id, b.id, c.id, d.id, e.id].sort());
  });

  it("names a free-until within the next day that differs, not two more than a day ahead", () => {
    const near = space();
    const far = space({ freeUntil: iso(now + 8 * 24 * HOUR) });
    const held = { ...near, freeUntil: iso(now + 2 * HOUR) };
    const farLater = { ...far, freeUntil: iso(now + 8 * 24 * HOUR + 5 * 60_000) };
    expect(cellDrift(stored(held, farLater), [near, far], now)).toEqual([near.id]);
    // A near instant against a far (or unknown) one differs.
    const unknown = { ...far, freeUntil: undefined };
    expect(cellDrift(stored(unknown), [{ ...far, freeUntil: iso(now + HOUR) }], now)).toEqual([far.id]);
  });

  it("leaves a stored state whose boundary has passed to the boundary ticker", () => {
    const truth = space({ state: "closed", freeUntil: undefined, nextFreeAt: iso(now + 10 * HOUR) });
    const passed = {
      ...truth,
      state: "available" as const,
      nextFreeAt: undefined,
      freeUntil: iso(now - 1000),
    };
    expect(cellDrift(stored(passed), [truth], now)).toEqual([]);
  });

  it("names a space whose stored JSON is unreadable or under another id", () => {
    const a = space();
    const b = space();
    const map = new Map([
      [a.id, "{not json"],
      [b.id, encodeSpaceLiveState({ ...b, id: randomUUID() })],
    ]);
    expect(cellDrift(map, [a, b], now).sort()).toEqual([a.id, b.id].sort());
  });
});
