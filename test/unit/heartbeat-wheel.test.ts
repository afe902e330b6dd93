// The heartbeat wheel visits every connection once per period, a slice per tick, never a removed one.
import { describe, expect, it } from "vitest";
import { HeartbeatWheel } from "../../gateway/live/heartbeat-wheel.ts";

describe("HeartbeatWheel", () => {
  it("visits each item exactly once per full turn, spread evenly over the ticks", () => {
    const visits: number[] = [];
    const wheel = new HeartbeatWheel<number>(1000, (n) => visits.push(n), 10);
    for (let i = 0; i < 1000; i++) wheel.add(i);
    const perTick: number[] = [];
    for (let t = 0; t < 10; t++) {
      const before = visits.length;
      wheel.tick();
      perTick.push(visits.length - before);
    }
    expect([...visits].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(perTick).toEqual(Array.from({ length: 10 }, () => 100));
    wheel.tick();
    expect(visits.length).toBe(1100); // the next turn starts over
  });

  it("never visits a removed item, and an item removed during its own visit is safe", () => {
    const visited = new Set<string>();
    const wheel: HeartbeatWheel<string> = new HeartbeatWheel<string>(
      100,
      (s) => {
        visited.add(s);
        if (s === "b") wheel.delete("b");
      },
      2,
    );
    for (const s of ["a", "b", "c", "d"]) wheel.add(s);
    wheel.delete("c");
    wheel.tick();
    wheel.tick();
    expect([...visited].sort()).toEqual(["a", "b", "d"]);
    visited.clear();
    wheel.tick();
    wheel.tick();
    expect([...visited].sort()).toEqual(["a", "d"]);
  });
});
