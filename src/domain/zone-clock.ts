// Wall clock ↔ instant in an IANA time zone, exact across DST gaps and overlaps. Offsets come from
// Luxon (the platform's tz database) and are memoized per UTC day, so the hot path costs a Map lookup.
import { IANAZone } from "luxon";
import { MS_PER_DAY } from "./intervals.ts";

/**
 * A "wall time" is a local date and time written as milliseconds since 1970-01-01T00:00 *local*
 * (i.e. what `Date.UTC(y, m, d, h, min)` would give for the local reading). Wall times past local
 * midnight simply roll into the next day, so "day D, minute 1800" is D+1 06:00.
 */
export class ZoneClock {
  private readonly zone: IANAZone;
  /** UTC day number → [offset at the day's start, instant of a transition or NaN, offset after it]. */
  private readonly days = new Map<number, readonly [number, number, number]>();

  constructor(readonly name: string) {
    this.zone = IANAZone.create(name);
    if (!this.zone.isValid) throw new RangeError(`unknown time zone: ${name}`);
  }

  /** The zone's UTC offset in milliseconds at an instant. */
  offsetAt(instant: number): number {
    const day = Math.floor(instant / MS_PER_DAY);
    let entry = this.days.get(day);
    if (entry === undefined) {
      entry = this.describeDay(day);
      if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
      this.days.set(day, entry);
    }
    return instant < entry[1] ? entry[0] : entry[2];
  }

  /** The local calendar day (days since 1970-01-01 local) an instant falls on. */
  localDayOf(instant: number): number {
    return Math.floor((instant + this.offsetAt(instant)) / MS_PER_DAY);
  }

  /**
   * The first instant at which the wall clock shows `wall` or later. A wall time that exists once
   * maps to that instant; one skipped by a spring-forward gap maps to the end of the gap (the clock
   * jumps past it); one repeated by a fall-back overlap maps to its first occurrence. The mapping is
   * monotone, so consecutive wall ranges [a, b) and [b, c) stay contiguous.
   */
  instantOfWall(wall: number): number {
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    if (before === after) return wall - before;
    const early = wall - before;
    const late = wall - after;
    const earlyValid = this.offsetAt(early) === before;
    const lateValid = this.offsetAt(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    // In a gap: the answer is the transition instant, which lies in (late, early].
    return this.transitionIn(Math.min(early, late), Math.max(early, late));
  }

  private describeDay(day: number): readonly [number, number, number] {
    const start = day * MS_PER_DAY;
    const end = start + MS_PER_DAY;
    const atStart = this.rawOffset(start);
    const atEnd = this.rawOffset(end);
    if (atStart === atEnd) return [atStart, Number.NaN, atStart];
    return [atStart, this.firstChange(start, end, atStart), atEnd];
  }

  /** First instant in (lo, hi] whose offset differs from the offset at lo. */
  private firstChange(lo: number, hi: number, offsetAtLo: number): number {
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.rawOffset(mid) === offsetAtLo) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** Like firstChange, over the memoized offsets (the transition is already known per day). */
  private transitionIn(lo: number, hi: number): number {
    const offsetAtLo = this.offsetAt(lo);
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.offsetAt(mid) === offsetAtLo) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private rawOffset(instant: number): number {
    return Math.round(this.zone.offset(instant) * 60_000);
  }
}

const MAX_CACHED_DAYS = 20_000;
const clocks = new Map<string, ZoneClock>();

/** The shared clock of a zone; throws RangeError for a name the tz database does not know. */
export function zoneClock(name: string): ZoneClock {
  let clock = clocks.get(name);
  if (clock === undefined) {
    clock = new ZoneClock(name);
    clocks.set(name, clock);
  }
  return clock;
}

/** Zone names already checked (luxon builds an Intl.DateTimeFormat for every check). */
const knownZones = new Map<string, boolean>();

/** True when `name` is an IANA zone this runtime knows (e.g. "Europe/Madrid", "UTC"). */
export function isKnownTimeZone(name: string): boolean {
  let known = knownZones.get(name);
  if (known === undefined) {
    known = IANAZone.isValidZone(name);
    if (knownZones.size >= 1_000) knownZones.clear();
    knownZones.set(name, known);
  }
  return known;
}
