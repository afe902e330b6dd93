// Finding a space's bookings without reading them all: the bookings array is sorted by start then
// id, so a booking is found by binary search once its start is known, and the bookings near a
// window from the longest booking's length. Both come from an index kept beside the arrays (a
// WeakMap, so the state stays plain data): a booking's start never changes (an extension moves its
// end), so the index maps each booking id ever added to its start, and one index is shared by an
// array and the arrays made from it. An id the index names may be missing from an older or
// pruned array: every lookup confirms it in the array itself, so sharing is safe.

/** What the index needs of a booking. */
export interface IndexedBooking {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

interface BookingIndex {
  /** Start of every booking id added to an array that shares this index. */
  readonly starts: Map<string, number>;
  /** At least the longest booking (end − start) of every array sharing it. */
  longest: number;
}

const indexes = new WeakMap<readonly IndexedBooking[], BookingIndex>();

/** Orders bookings by start, then id: the order a space's bookings are kept in. */
export function compareBookings(a: IndexedBooking, b: IndexedBooking): number {
  return a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function build(bookings: readonly IndexedBooking[]): BookingIndex {
  const index: BookingIndex = { starts: new Map(), longest: 0 };
  for (const b of bookings) {
    index.starts.set(b.id, b.start);
    index.longest = Math.max(index.longest, b.end - b.start);
  }
  indexes.set(bookings, index);
  return index;
}

/**
 * The index of `bookings`: shared with the array it was made from, or built. Ids of bookings long
 * gone (pruned, or decided and then undone) are dropped by building afresh once they outnumber
 * the array's own.
 */
function indexOf(bookings: readonly IndexedBooking[]): BookingIndex {
  const index = indexes.get(bookings);
  if (index !== undefined && index.starts.size <= 2 * bookings.length + 64) return index;
  return build(bookings);
}

/** Position of the first booking not ordered before (start, id): where it is or would go. */
function positionOf(bookings: readonly IndexedBooking[], start: number, id: string): number {
  let lo = 0;
  let hi = bookings.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const b = bookings[mid]!;
    if (b.start < start || (b.start === start && b.id < id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Position of the booking with this id, or −1. */
export function findBookingIndex(bookings: readonly IndexedBooking[], id: string): number {
  const start = indexOf(bookings).starts.get(id);
  if (start === undefined) return -1;
  const i = positionOf(bookings, start, id);
  return i < bookings.length && bookings[i]!.id === id ? i : -1;
}

/**
 * A copy of `bookings` with `booking` put in its place: added, or replacing the booking with its
 * id (whose start it keeps). The copy shares the index.
 */
export function withIndexedBooking<T extends IndexedBooking>(bookings: readonly T[], booking: T): T[] {
  const index = indexOf(bookings);
  const known = index.starts.get(booking.id);
  const current = findBookingIndex(bookings, booking.id);
  if (current >= 0 && bookings[current]!.start !== booking.start) {
    throw new Error(`booking ${booking.id} cannot change its start`);
  }
  const next = bookings.slice();
  if (current >= 0) next[current] = booking;
  else next.splice(positionOf(bookings, booking.start, booking.id), 0, booking);
  if (known !== undefined && known !== booking.start) {
    // The id was in an undone branch at another start: this array gets an index of its own.
    build(next);
    return next;
  }
  index.starts.set(booking.id, booking.start);
  index.longest = Math.max(index.longest, booking.end - booking.start);
  indexes.set(next, index);
  return next;
}

/** `kept`, a run of `bookings` in the same order (what pruning leaves), sharing its index. */
export function shareIndex(bookings: readonly IndexedBooking[], kept: readonly IndexedBooking[]): void {
  const index = indexes.get(bookings);
  if (index !== undefined) indexes.set(kept, index);
}

/**
 * Position of the first booking that can end after `after`: none before it does (every booking is
 * at most the index's longest, and the array is sorted by start).
 */
export function firstEndingAfter(bookings: readonly IndexedBooking[], after: number): number {
  const { longest } = indexOf(bookings);
  let lo = 0;
  let hi = bookings.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (bookings[mid]!.start + longest <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
