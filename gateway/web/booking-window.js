// Which window a click on the live map books: the first whole quarter hour at least the space's notice
// ahead (plus a minute, so the request still meets the notice when it arrives), an hour long (or the
// space's minimum / maximum stay), inside one of the space's free intervals. Pure: no DOM, no fetch.
const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const WANTED_MINUTES = 60;

const ceilQuarter = (ms) => Math.ceil(ms / QUARTER) * QUARTER;

/**
 * @param {{ now: number, minNoticeMinutes: number, minDurationMinutes: number,
 *   maxDurationMinutes: number | null, free: ReadonlyArray<{ start: number, end: number }> }} space
 * @returns {{ start: number, end: number, fits: boolean }} epoch ms; `fits` is false when no free
 *   interval holds the window (the earliest one is returned so the API's answer says why).
 */
export function nextBookableWindow(space) {
  const longest = space.maxDurationMinutes ?? Number.POSITIVE_INFINITY;
  const minutes = Math.min(Math.max(WANTED_MINUTES, space.minDurationMinutes), longest);
  const duration = minutes * MINUTE;
  const earliest = ceilQuarter(space.now + space.minNoticeMinutes * MINUTE + MINUTE);
  const free = [...space.free].sort((a, b) => a.start - b.start);
  for (const interval of free) {
    const start = Math.max(earliest, ceilQuarter(interval.start));
    if (start + duration <= interval.end) return { start, end: start + duration, fits: true };
  }
  return { start: earliest, end: earliest + duration, fits: false };
}
