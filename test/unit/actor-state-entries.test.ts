// Pure: what a batch changed of an actor's state, the write that stores it (all entries, or the
// touched ones), and the state read back from its entries.
import { describe, expect, it } from "vitest";
import type { AnyActorDefinition } from "../../actors/runtime/index.ts";
import { mergeChange, stateFromEntries, stateWrite } from "../../actors/runtime/state-entries.ts";
import { createCounterActor } from "../support/counter-actor.ts";
import { createTallyActor, tallyEntries } from "../support/tally-actor.ts";

const tally = createTallyActor() as unknown as AnyActorDefinition;
const counter = createCounterActor({ workerId: "w" }) as unknown as AnyActorDefinition;

describe("actor state entries", () => {
  it("merges the changes of a batch: keys add up, a whole write or a deletion wins", () => {
    const a = new Set(["a"]);
    const merged = mergeChange(undefined, a);
    expect(merged).toEqual(new Set(["a"]));
    expect(merged).not.toBe(a);
    expect(mergeChange(merged, new Set(["b"]))).toEqual(new Set(["a", "b"]));
    expect(mergeChange(merged, undefined)).toBe(merged);
    expect(mergeChange("whole", new Set(["b"]))).toBe("whole");
    // Set again after its deletion: nothing of the old state stays, so it is written whole.
    expect(mergeChange("delete", new Set(["b"]))).toBe("whole");
    expect(mergeChange(new Set(["b"]), "delete")).toBe("delete");
    expect(mergeChange("delete", "whole")).toBe("whole");
  });

  it("writes the touched entries of a state, removing those it no longer has", () => {
    const state = { total: 5, counts: { x: 2, y: 3 } };
    expect(stateWrite(tallyEntries, state, new Set(["total", "n:x", "n:gone"]))).toEqual({
      op: "patch",
      set: { total: "5", "n:x": "2" },
      remove: ["n:gone"],
    });
    expect(stateWrite(tallyEntries, state, new Set())).toBeUndefined();
    expect(stateWrite(tallyEntries, state, undefined)).toBeUndefined();
    expect(stateWrite(tallyEntries, state, "whole")).toEqual({
      op: "replace",
      entries: { total: "5", "n:x": "2", "n:y": "3" },
    });
    expect(stateWrite(tallyEntries, state, "delete")).toEqual({ op: "delete" });
  });

  it("writes the state of an actor without a codec whole, as its one entry", () => {
    const state = { count: 1, reminded: [] };
    const whole = { op: "replace", entries: { "": '{"count":1,"reminded":[]}' } };
    expect(stateWrite(undefined, state, "whole")).toEqual(whole);
    expect(stateWrite(undefined, state, new Set(["count"]))).toEqual(whole);
  });

  it("reads a state back from its entries, validated; anything else is no state", () => {
    expect(stateFromEntries(tally, { total: "5", "n:x": "2", "n:y": "3" })).toEqual({
      ok: true,
      state: { total: 5, counts: { x: 2, y: 3 } },
    });
    expect(stateFromEntries(tally, { total: '"five"' })).toEqual({ ok: false });
    expect(stateFromEntries(tally, { total: "{not json" })).toEqual({ ok: false });
    expect(stateFromEntries(counter, { "": '{"count":3,"reminded":[]}' })).toEqual({
      ok: true,
      state: { count: 3, reminded: [] },
    });
    expect(stateFromEntries(counter, { count: "3" })).toEqual({ ok: false });
  });
});
