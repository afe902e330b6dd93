// Half-open time intervals [start, end) in UTC epoch milliseconds, and the few set operations the
// availability rules need. Inputs and outputs of the merge/subtract helpers are sorted and disjoint.

export const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** [start, end) in UTC epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** Sorts in place by start, then merges overlapping or touching intervals; drops empty ones. */
export function sortAndMerge(intervals: Interval[]): Interval[] {
  if (intervals.length > 1) intervals.sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const next of intervals) {
    if (next.end <= next.start) continue;
    const last = merged[merged.length - 1];
    if (last !== undefined && next.start <= last.end) {
      if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    } else {
      merged.push(next);
    }
  }
  return merged;
}

/** `from` minus `remove`; both sorted and disjoint, so is the result. */
export function subtractIntervals(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  if (remove.length === 0) return from.slice();
  const result: Interval[] = [];
  let r = 0;
  for (const interval of from) {
    let start = interval.start;
    const end = interval.end;
    while (r < remove.length && remove[r]!.end <= start) r++;
    let k = r;
    while (k < remove.length && remove[k]!.start < end) {
      const cut = remove[k]!;
      if (cut.start > start) result.push({ start, end: cut.start });
      if (cut.end > start) start = cut.end;
      if (start >= end) break;
      k++;
    }
    if (start < end) result.push(start === interval.start ? interval : { start, end });
  }
  return result;
}

/** `a` ∪ `b`; both sorted and disjoint, so is the result. */
export function unionIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  if (b.length === 0) return a.slice();
  if (a.length === 0) return b.slice();
  return sortAndMerge([...a, ...b]);
}

/** True when `window` lies entirely inside one interval of a sorted, disjoint list. */
export function containsWindow(intervals: readonly Interval[], window: Interval): boolean {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const candidate = intervals[mid]!;
    if (candidate.end <= window.start) lo = mid + 1;
    else if (candidate.start > window.start) hi = mid - 1;
    else return candidate.end >= window.end;
  }
  return false;
}
