// When a space's map state may change by itself, and which stored states are due for a recompute.
import { describe, expect, it } from "vitest";
import { boundaryOf, dueSpaces, encodeSpaceLiveState, type SpaceLiveState } from "../../src/live/index.ts";

const base = { lat: 40.4, lng: -3.7, hourly: 250, currency: "EUR" };
const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 10, minutes)).toISOString();
const now = Date.parse(at(0));

function stored(id: string, space: Omit<SpaceLiveState, "id" | "lat" | "lng" | "hourly" | "currency">) {
  return {
    id,
    json: encodeSpaceLiveState({ id: `00000000-0000-4000-8000-00000000000${id}`, ...base, ...space }),
  };
}

describe("space boundaries", () => {
  it("is freeUntil for an available space and nextFreeAt for any other", () => {
    expect(boundaryOf({ state: "available", freeUntil: at(5), nextFreeAt: at(9) })).toBe(Date.parse(at(5)));
    for (const state of ["held", "occupied", "closed"] as const)
      expect(boundaryOf({ state, freeUntil: at(5), nextFreeAt: at(9) })).toBe(Date.parse(at(9)));
    expect(boundaryOf({ state: "closed" })).toBeUndefined();
    expect(boundaryOf({ state: "available", nextFreeAt: at(9) })).toBeUndefined();
  });

  it("takes passed boundaries (the instant itself included) and keeps the earliest one to come", () => {
    const split = dueSpaces(
      [
        stored("1", { state: "available", freeUntil: at(0) }),
        stored("2", { state: "closed", nextFreeAt: at(-3) }),
        stored("3", { state: "occupied", nextFreeAt: at(20) }),
        stored("4", { state: "available", freeUntil: at(7) }),
        stored("5", { state: "closed" }),
      ],
      now,
    );
    expect(split.due.map((s) => s.id)).toEqual(["1", "2"]);
    expect(split.next).toBe(Date.parse(at(7)));
    expect(split.openEnded).toBe(true);
  });

  it("takes spaces without a boundary when asked, and unreadable states always", () => {
    const split = dueSpaces(
      [
        stored("5", { state: "closed" }),
        { id: "6", json: "{not json" },
        stored("3", { state: "held", nextFreeAt: at(1) }),
      ],
      now,
      true,
    );
    expect(split.due.map((s) => s.id)).toEqual(["5", "6"]);
    expect(split.next).toBe(Date.parse(at(1)));
    expect(dueSpaces([], now)).toEqual({ due: [], next: undefined, openEnded: false });
  });
});
