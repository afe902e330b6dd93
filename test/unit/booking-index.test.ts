// The bookings' index (booking-index.ts) against a plain scan: arrays made from any earlier array
// (as a batch decided again starts from the state before it), pruned runs, extensions and a
// reused id, and every lookup answering what reading all bookings would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareBookings,
  findBookingIndex,
  firstEndingAfter,
  type IndexedBooking,
  shareIndex,
  withIndexedBooking,
} from "../../actors/space/booking-index.ts";

type Step =
  | { kind: "add"; from: number; id: number; start: number; length: number }
  | { kind: "extend"; from: number; pick: number; by: number }
  | { kind: "prune"; from: number; count: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("add" as const),
    from: fc.nat(),
    id: fc.nat({ max: 40 }),
    start: fc.nat({ max: 200 }),
    length: fc.integer({ min: 0, max: 30 }),
  }),
  fc.record({
    kind: fc.constant("extend" as const),
    from: fc.nat(),
    pick: fc.nat(),
    by: fc.integer({ min: 1, max: 50 }),
  }),
  fc.record({ kind: fc.constant("prune" as const), from: fc.nat(), count: fc.nat({ max: 5 }) }),
);

describe("the bookings' index", () => {
  it("finds what a scan finds, in every array made from any earlier one", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const versions: IndexedBooking[][] = [[]];
        for (const s of steps) {
          const base = versions[s.from % versions.length]!;
          if (s.kind === "add") {
            const id = `b${s.id}`;
            // A booking's start never changes: an id the array holds is not added again elsewhere.
            if (base.some((b) => b.id === id)) continue;
            versions.push(withIndexedBooking(base, { id, start: s.start, end: s.start + s.length }));
          } else if (s.kind === "extend") {
            if (base.length === 0) continue;
            const b = base[s.pick % base.length]!;
            versions.push(withIndexedBooking(base, { ...b, end: b.end + s.by }));
          } else {
            const kept = base.slice(Math.min(s.count, base.length));
            shareIndex(base, kept);
            versions.push(kept);
          }
        }
        for (const v of versions) {
          expect([...v].sort(compareBookings)).toEqual(v);
          for (let id = 0; id <= 40; id++) {
            expect(findBookingIndex(v, `b${id}`)).toBe(v.findIndex((b) => b.id === `b${id}`));
          }
          for (let after = -1; after <= 300; after += 7) {
            const first = firstEndingAfter(v, after);
            // Nothing before the position ends after `after`.
            expect(v.slice(0, first).every((b) => b.end <= after)).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it("refuses to move a booking's start", () => {
    const one = withIndexedBooking([], { id: "a", start: 10, end: 20 });
    expect(() => withIndexedBooking(one, { id: "a", start: 12, end: 20 })).toThrow(/start/);
  });
});
