// The space's persistent booking list (booking-list.ts) against plain arrays: lists made from any
// earlier list (as a batch decided again starts from the state before it), pruned lists,
// extensions and a reused id, chunks split as a list grows, and every lookup answering what
// reading all bookings would.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BookingList,
  CHUNK_MAX,
  compareBookings,
  type IndexedBooking,
} from "../../actors/space/booking-list.ts";

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

type Version = { list: BookingList<IndexedBooking>; plain: IndexedBooking[] };

/** Every lookup of `list` answers what a scan of `plain` (its bookings, sorted) answers. */
function expectSame({ list, plain }: Version, ids: number, times: readonly number[]) {
  expect(list.toArray()).toEqual(plain);
  expect([...list]).toEqual(plain);
  expect(list.length).toBe(plain.length);
  for (let i = -1; i <= plain.length; i++) expect(list.at(i)).toBe(plain.at(i));
  for (let id = 0; id <= ids; id++) expect(list.find(`b${id}`)).toBe(plain.find((b) => b.id === `b${id}`));
  for (const t of times) {
    const near = [...list.endingAfter(t)];
    // A tail of the list, holding every booking that ends after t.
    expect(near).toEqual(plain.slice(plain.length - near.length));
    expect(plain.slice(0, plain.length - near.length).every((b) => b.end <= t)).toBe(true);
    expect(list.startingBefore(t)).toEqual(plain.filter((b) => b.start < t));
  }
}

describe("the booking list", () => {
  it("finds what a scan finds, in every list made from any earlier one", () => {
    const times = Array.from({ length: 44 }, (_, i) => i * 7 - 1);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const versions: Version[] = [{ list: BookingList.empty(), plain: [] }];
        for (const s of steps) {
          const base = versions[s.from % versions.length]!;
          if (s.kind === "add") {
            const id = `b${s.id}`;
            // A booking's start never changes: an id the list holds is not added again elsewhere.
            if (base.plain.some((b) => b.id === id)) continue;
            const booking = { id, start: s.start, end: s.start + s.length };
            versions.push({
              list: base.list.with(booking),
              plain: [...base.plain, booking].sort(compareBookings),
            });
          } else if (s.kind === "extend") {
            if (base.plain.length === 0) continue;
            const b = base.plain[s.pick % base.plain.length]!;
            const longer = { ...b, end: b.end + s.by };
            versions.push({
              list: base.list.with(longer),
              plain: base.plain.map((x) => (x.id === b.id ? longer : x)),
            });
          } else {
            const dropped = new Set(base.plain.slice(0, s.count).map((b) => b.id));
            versions.push({
              list: base.list.without(dropped),
              plain: base.plain.filter((b) => !dropped.has(b.id)),
            });
          }
        }
        for (const v of versions) expectSame(v, 40, times);
      }),
      { numRuns: 200 },
    );
  });

  it("splits chunks as it grows, and the lists it was made from stay as they were", () => {
    const count = 12 * CHUNK_MAX;
    const order = fc.sample(fc.shuffledSubarray([...Array(count).keys()], { minLength: count }), {
      numRuns: 1,
      seed: 7,
    })[0]!;
    const versions: Version[] = [{ list: BookingList.empty(), plain: [] }];
    for (const n of order) {
      const last = versions.at(-1)!;
      const booking = { id: `b${n}`, start: n * 10, end: n * 10 + 5 + (n % 7) };
      versions.push({ list: last.list.with(booking), plain: [...last.plain, booking].sort(compareBookings) });
    }
    const times = [-1, 0, 5, 999, 10_000, 20_005, count * 10];
    for (const i of [0, 1, CHUNK_MAX, CHUNK_MAX + 1, 5 * CHUNK_MAX, count])
      expectSame(versions[i]!, count, times);
    expect(BookingList.from([...versions[count]!.plain].reverse()).toArray()).toEqual(versions[count]!.plain);
  });

  it("refuses to move a booking's start", () => {
    const one = BookingList.empty().with({ id: "a", start: 10, end: 20 });
    expect(() => one.with({ id: "a", start: 12, end: 20 })).toThrow(/start/);
  });

  it("serialises as the plain array", () => {
    const list = BookingList.from([
      { id: "b", start: 20, end: 30 },
      { id: "a", start: 10, end: 20 },
    ]);
    expect(JSON.parse(JSON.stringify({ bookings: list }))).toEqual({
      bookings: [
        { id: "a", start: 10, end: 20 },
        { id: "b", start: 20, end: 30 },
      ],
    });
  });
});
