// A space's bookings sorted by start then id, as a persistent list: adding or replacing a booking
// makes a new list that shares all but one chunk of the old one, so a decision copies at most
// CHUNK_MAX bookings and the list of chunks, however many the space holds. (One flat array copied
// per event cost a copy of every booking, and past about 16,000 bookings each copy became a V8
// large object, allocated and freed at ~0.6 ms a time.) Old lists stay valid: a batch decided
// again starts from the state before it.
//
// Lookups: a booking by id through an index of id → start shared by a list and the lists made from
// it (a booking's start never changes; an extension moves its end), then a binary search; the
// bookings near a time from the longest booking's length. An id the index names may be missing
// from an older or pruned list: every lookup confirms it in the list itself, so sharing is safe.

/** What the list needs of a booking. */
export interface IndexedBooking {
  readonly id: string;
  readonly start: number;
  readonly end: number;
}

/** Bookings per chunk at most; a chunk that grows past it is split in two. */
export const CHUNK_MAX = 256;
const CHUNK_FROM = CHUNK_MAX / 2;

interface BookingIndex {
  /** Start of every booking id added to a list that shares this index. */
  readonly starts: Map<string, number>;
  /** At least the longest booking (end − start) of every list sharing it. */
  longest: number;
}

/** Orders bookings by start, then id: the order a space's bookings are kept in. */
export function compareBookings(a: IndexedBooking, b: IndexedBooking): number {
  return a.start - b.start || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function before(b: IndexedBooking, start: number, id: string): boolean {
  return b.start < start || (b.start === start && b.id < id);
}

function indexOfAll(bookings: Iterable<IndexedBooking>): BookingIndex {
  const index: BookingIndex = { starts: new Map(), longest: 0 };
  for (const b of bookings) {
    index.starts.set(b.id, b.start);
    index.longest = Math.max(index.longest, b.end - b.start);
  }
  return index;
}

function chunked<T>(sorted: readonly T[]): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < sorted.length; i += CHUNK_FROM) chunks.push(sorted.slice(i, i + CHUNK_FROM));
  return chunks;
}

/**
 * Its fields are private (#): two lists compare equal (as in tests' deep equality) by their
 * bookings, whatever their chunks or index.
 */
export class BookingList<T extends IndexedBooking> implements Iterable<T> {
  readonly #chunks: readonly (readonly T[])[];
  readonly #length: number;
  #index: BookingIndex;

  private constructor(chunks: readonly (readonly T[])[], length: number, index: BookingIndex) {
    this.#chunks = chunks;
    this.#length = length;
    this.#index = index;
  }

  get length(): number {
    return this.#length;
  }

  /** A list of `bookings` in any order. */
  static from<T extends IndexedBooking>(bookings: Iterable<T>): BookingList<T> {
    const sorted = [...bookings].sort(compareBookings);
    return new BookingList(chunked(sorted), sorted.length, indexOfAll(sorted));
  }

  static empty<T extends IndexedBooking>(): BookingList<T> {
    return new BookingList<T>([], 0, indexOfAll([]));
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** The bookings as one array, in order. */
  toArray(): T[] {
    return this.#chunks.flat();
  }

  /** The plain array, so a state serialises as it did when its bookings were one. */
  toJSON(): T[] {
    return this.toArray();
  }

  /** The booking at `position` (0-based, in order), if any. */
  at(position: number): T | undefined {
    let rest = position < 0 ? this.#length + position : position;
    if (rest < 0) return undefined;
    for (const chunk of this.#chunks) {
      if (rest < chunk.length) return chunk[rest];
      rest -= chunk.length;
    }
    return undefined;
  }

  /** The booking with this id, if the list holds it. */
  find(id: string): T | undefined {
    const start = this.indexed().starts.get(id);
    if (start === undefined) return undefined;
    const [c, i] = this.positionOf(start, id);
    const b = this.#chunks[c]?.[i];
    return b?.id === id ? b : undefined;
  }

  /**
   * A list with `booking` put in its place: added, or replacing the booking with its id (whose
   * start it keeps). It shares every chunk but the one the booking goes in, and the index.
   */
  with(booking: T): BookingList<T> {
    const index = this.indexed();
    const known = index.starts.get(booking.id);
    const current = this.find(booking.id);
    if (current !== undefined && current.start !== booking.start) {
      throw new Error(`booking ${booking.id} cannot change its start`);
    }
    const [c, i] = this.positionOf(booking.start, booking.id);
    const chunks = this.#chunks.slice();
    if (chunks.length === 0) chunks.push([booking]);
    else {
      // Past the last booking: into the last chunk.
      const at = c < chunks.length ? c : chunks.length - 1;
      const chunk = chunks[at]!.slice();
      const pos = c < this.#chunks.length ? i : chunk.length;
      if (current !== undefined) chunk[pos] = booking;
      else chunk.splice(pos, 0, booking);
      if (chunk.length > CHUNK_MAX) chunks.splice(at, 1, chunk.slice(0, CHUNK_FROM), chunk.slice(CHUNK_FROM));
      else chunks[at] = chunk;
    }
    const length = this.#length + (current === undefined ? 1 : 0);
    if (known !== undefined && known !== booking.start) {
      // The id was in an undone branch at another start: this list gets an index of its own.
      return new BookingList(chunks, length, indexOfAll(chunks.flat()));
    }
    index.starts.set(booking.id, booking.start);
    index.longest = Math.max(index.longest, booking.end - booking.start);
    return new BookingList(chunks, length, index);
  }

  /** A list without the bookings whose ids are in `ids`, sharing the index. */
  without(ids: ReadonlySet<string>): BookingList<T> {
    if (ids.size === 0) return this;
    const kept = this.toArray().filter((b) => !ids.has(b.id));
    return new BookingList(chunked(kept), kept.length, this.#index);
  }

  /**
   * The bookings from the first that can end after `after` on, in order: none before it does
   * (every booking is at most the index's longest, and the list is sorted by start).
   */
  *endingAfter(after: number): Generator<T> {
    const earliest = after - this.indexed().longest;
    let c = this.firstChunkReaching(earliest);
    if (c === this.#chunks.length) return;
    const first = this.#chunks[c]!;
    let lo = 0;
    let hi = first.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (first[mid]!.start <= earliest) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < first.length; i++) yield first[i]!;
    for (c++; c < this.#chunks.length; c++) yield* this.#chunks[c]!;
  }

  /** The bookings that start before `at`, in order. */
  startingBefore(at: number): T[] {
    const out: T[] = [];
    for (const chunk of this.#chunks) {
      if (chunk[0]!.start >= at) break;
      if (chunk.at(-1)!.start < at) out.push(...chunk);
      else for (const b of chunk) if (b.start < at) out.push(b);
    }
    return out;
  }

  /**
   * The index, rebuilt from this list when the ids of bookings long gone (pruned, or decided and
   * then undone) outnumber its own.
   */
  private indexed(): BookingIndex {
    if (this.#index.starts.size > 2 * this.#length + 64) this.#index = indexOfAll(this);
    return this.#index;
  }

  /** Index of the first chunk holding a booking that starts after `start`; chunks.length if none. */
  private firstChunkReaching(start: number): number {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#chunks[mid]!.at(-1)!.start <= start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Where (start, id) is or would go: [chunk, position in it] of the first booking not ordered
   * before it; [chunks.length, 0] when every booking is.
   */
  private positionOf(start: number, id: string): [number, number] {
    let lo = 0;
    let hi = this.#chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.#chunks[mid]!.at(-1)!, start, id)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.#chunks.length) return [lo, 0];
    const chunk = this.#chunks[lo]!;
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (before(chunk[mid]!, start, id)) a = mid + 1;
      else b = mid;
    }
    return [lo, a];
  }
}
