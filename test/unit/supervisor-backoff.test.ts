// The supervisor's wait before starting a process again: 0.5 s, doubling with each quick exit up to
// 30 s, and 0.5 s again after a run of a minute or more.
import { describe, expect, it } from "vitest";
import { defaultBackoff, restartDelay } from "../../devstack/supervisor.ts";

describe("restartDelay", () => {
  it("starts at 0.5 s and doubles with each quick exit, up to 30 s", () => {
    const waits: number[] = [];
    let previous: number | null = null;
    for (let i = 0; i < 10; i++) {
      previous = restartDelay(previous, 1000, defaultBackoff);
      waits.push(previous);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000]);
  });

  it("goes back to 0.5 s after a run of a minute or more", () => {
    expect(restartDelay(30_000, 60_000, defaultBackoff)).toBe(500);
    expect(restartDelay(30_000, 59_999, defaultBackoff)).toBe(30_000);
    expect(restartDelay(4000, 3_600_000, defaultBackoff)).toBe(500);
  });
});
