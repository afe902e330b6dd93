// Local fan-out: which sessions of this process watch which cells, aggregates and hosts, and the
// per-watcher position that keeps every stream gap-free. It knows nothing of Redis or of the wire:
// the broker feeds it messages, sessions send what it hands them.
import type { RevocationNotice } from "../../src/auth/session-revocations.ts";
import type { Frame } from "./frame.ts";

/** A session as the hub sees it: where to send, and how to catch up when a stream jumped. */
export interface Watcher {
  send(frame: Frame): void;
  /** The watcher's position in `cell` cannot be continued by live deltas: re-read from Redis. */
  resync(cell: string): void;
  /** The aggregate's counts changed without an `aggregate` message (a space appeared under it): re-read them. */
  resyncAggregate(cell: string): void;
  /** A host prompt or its resolution for the host this watcher is logged in as. */
  hostMessage(message: { type: string; bookingId: string }, frame: Frame): void;
  /** Sessions of the watcher's user ended (logout, password reset, a role taken away). */
  revoke(notice: RevocationNotice): void;
  /** Notices may have been missed: read the standing of the watcher's token again. */
  recheckIdentity(): void;
}

export interface CellWatch {
  epoch: string | null;
  offset: number;
  /** Deltas that arrived while the watcher was (re)reading the cell; null when live. */
  queue: CellDelta[] | null;
  /** The cell was reset while the watcher was reading it: read again once done. */
  stale: boolean;
}

export interface CellDelta {
  epoch: string;
  offset: number;
  frame: Frame;
}

export const MAX_QUEUED = 1000;

/** The first watcher of a stream makes the hub ask for it; the last one leaving lets it go. */
export interface StreamSubscriptions {
  subscribe(kind: "cell" | "aggregate" | "host", id: string): Promise<void>;
  unsubscribe(kind: "cell" | "aggregate" | "host", id: string): void;
}

interface Stream<W> {
  watchers: Map<Watcher, W>;
  ready: Promise<void>;
}

export class LocalHub {
  private readonly cells = new Map<string, Stream<CellWatch>>();
  private readonly aggregates = new Map<string, Stream<{ version: number }>>();
  private readonly hosts = new Map<string, Stream<true>>();
  /** Identified watchers by user: revocations come on one channel that every gateway hears. */
  private readonly users = new Map<string, Set<Watcher>>();

  constructor(private readonly subscriptions: StreamSubscriptions) {}

  private join<W>(
    kind: "cell" | "aggregate" | "host",
    streams: Map<string, Stream<W>>,
    id: string,
    watcher: Watcher,
    state: W,
  ): Promise<void> {
    let stream = streams.get(id);
    if (!stream) {
      const created: Stream<W> = { watchers: new Map(), ready: this.subscriptions.subscribe(kind, id) };
      // A failed subscription is forgotten, so the next watcher tries again.
      created.ready.catch(() => {
        if (streams.get(id) === created) streams.delete(id);
      });
      stream = created;
      streams.set(id, stream);
    }
    stream.watchers.set(watcher, state);
    return stream.ready;
  }

  private leave<W>(
    kind: "cell" | "aggregate" | "host",
    streams: Map<string, Stream<W>>,
    id: string,
    watcher: Watcher,
  ) {
    const stream = streams.get(id);
    if (!stream?.watchers.delete(watcher)) return;
    if (stream.watchers.size === 0) {
      streams.delete(id);
      this.subscriptions.unsubscribe(kind, id);
    }
  }

  /** Starts watching a map cell; the watch starts queueing until the session read the cell. */
  watchCell(cell: string, watcher: Watcher): { watch: CellWatch; ready: Promise<void> } {
    const existing = this.cells.get(cell)?.watchers.get(watcher);
    const watch = existing ?? { epoch: null, offset: 0, queue: [], stale: false };
    return { watch, ready: this.join("cell", this.cells, cell, watcher, watch) };
  }

  cellWatch(cell: string, watcher: Watcher): CellWatch | undefined {
    return this.cells.get(cell)?.watchers.get(watcher);
  }

  unwatchCell(cell: string, watcher: Watcher) {
    this.leave("cell", this.cells, cell, watcher);
  }

  watchAggregate(cell: string, watcher: Watcher): Promise<void> {
    const existing = this.aggregates.get(cell)?.watchers.get(watcher);
    return this.join("aggregate", this.aggregates, cell, watcher, existing ?? { version: -1 });
  }

  unwatchAggregate(cell: string, watcher: Watcher) {
    this.leave("aggregate", this.aggregates, cell, watcher);
  }

  watchHost(hostId: string, watcher: Watcher): Promise<void> {
    return this.join("host", this.hosts, hostId, watcher, true);
  }

  unwatchHost(hostId: string, watcher: Watcher) {
    this.leave("host", this.hosts, hostId, watcher);
  }

  watchUser(userId: string, watcher: Watcher) {
    let watchers = this.users.get(userId);
    if (!watchers) {
      watchers = new Set();
      this.users.set(userId, watchers);
    }
    watchers.add(watcher);
  }

  unwatchUser(userId: string, watcher: Watcher) {
    const watchers = this.users.get(userId);
    if (!watchers?.delete(watcher)) return;
    if (watchers.size === 0) this.users.delete(userId);
  }

  deliverRevocation(notice: RevocationNotice) {
    for (const watcher of [...(this.users.get(notice.userId) ?? [])]) watcher.revoke(notice);
  }

  /** After the revocation feed was interrupted: every identified watcher re-reads its standing. */
  recheckIdentities() {
    for (const watchers of this.users.values()) for (const watcher of watchers) watcher.recheckIdentity();
  }

  /** A delta from the cell's stream: the same frame to every watcher that is exactly one behind. */
  deliverDelta(cell: string, delta: CellDelta) {
    const stream = this.cells.get(cell);
    if (!stream) return;
    // forEach rather than for…of over entries: no [key, value] pair per watcher on this hot path.
    stream.watchers.forEach((watch, watcher) => {
      applyDelta(watcher, cell, watch, delta);
    });
  }

  /** The cell was rebuilt or lost (new epoch): every watcher re-reads it. */
  resetCell(cell: string) {
    const stream = this.cells.get(cell);
    if (!stream) return;
    for (const [watcher, watch] of stream.watchers) {
      if (watch.queue === null) watcher.resync(cell);
      else watch.stale = true;
    }
  }

  /** Latest-wins counts: sent to a watcher only when newer than what it has. */
  deliverAggregate(cell: string, version: number, frame: Frame) {
    const stream = this.aggregates.get(cell);
    if (!stream) return;
    for (const [watcher, seen] of stream.watchers) offerAggregate(watcher, seen, version, frame);
  }

  /** A space appeared under an aggregate nobody had built: every watcher re-reads its counts. */
  resetAggregate(cell: string) {
    const stream = this.aggregates.get(cell);
    if (!stream) return;
    for (const watcher of stream.watchers.keys()) watcher.resyncAggregate(cell);
  }

  aggregateWatch(cell: string, watcher: Watcher): { version: number } | undefined {
    return this.aggregates.get(cell)?.watchers.get(watcher);
  }

  deliverToHost(hostId: string, message: { type: string; bookingId: string }, frame: Frame) {
    const stream = this.hosts.get(hostId);
    if (!stream) return;
    for (const watcher of stream.watchers.keys()) watcher.hostMessage(message, frame);
  }

  /** After the cross-process feed was interrupted: every live watcher of every cell catches up. */
  resyncAll() {
    for (const [cell, stream] of this.cells) {
      for (const [watcher, watch] of stream.watchers) {
        if (watch.queue === null) watcher.resync(cell);
        else watch.stale = true;
      }
    }
  }

  /** The map cells some local socket watches. */
  watchedCells(): IterableIterator<string> {
    return this.cells.keys();
  }

  stats() {
    let cellWatches = 0;
    for (const s of this.cells.values()) cellWatches += s.watchers.size;
    return {
      cells: this.cells.size,
      cellWatches,
      aggregates: this.aggregates.size,
      hosts: this.hosts.size,
      users: this.users.size,
    };
  }
}

export function offerAggregate(watcher: Watcher, seen: { version: number }, version: number, frame: Frame) {
  if (version <= seen.version) return;
  seen.version = version;
  watcher.send(frame);
}

/** The gap-free rule: skip what the watcher has, send the next one, re-read on a jump or a new epoch. */
export function applyDelta(watcher: Watcher, cell: string, watch: CellWatch, delta: CellDelta) {
  if (watch.queue !== null) {
    if (watch.queue.length < MAX_QUEUED) watch.queue.push(delta);
    return;
  }
  if (delta.epoch !== watch.epoch) {
    watcher.resync(cell);
    return;
  }
  if (delta.offset <= watch.offset) return;
  if (delta.offset === watch.offset + 1) {
    watch.offset = delta.offset;
    watcher.send(delta.frame);
    return;
  }
  watcher.resync(cell);
}
