// One client connection's conversation, the same for both transports: rate limit, parse, then
// subscribe / unsubscribe / resume (snapshots, deltas, aggregates through the hub) and, for hosts,
// approval prompts and approve / reject. Nothing a client sends can throw out of here.
import { getResolution, isValidCell } from "h3-js";
import type { AccessClaims } from "../../src/auth/access-tokens.ts";
import { hasAnyRole } from "../../src/domain/roles.ts";
import { AppError } from "../../src/errors.ts";
import type { CellPosition } from "../../src/live/cell-rebuild.ts";
import { Frame, type LiveConnection } from "./frame.ts";
import { applyDelta, type CellWatch, MAX_QUEUED, offerAggregate, type Watcher } from "./hub.ts";
import type { LiveService } from "./live-service.ts";
import {
  type ClientMessage,
  encode,
  type LiveErrorCode,
  parseClientMessage,
  parseClientValue,
  type Ref,
} from "./protocol.ts";
import { TokenBucket } from "./rate-limit.ts";
import { planViewport } from "./viewport.ts";

type Watched = { kind: "cell" | "aggregate"; viaViewport: boolean };

export class LiveSession implements Watcher {
  private readonly bucket: TokenBucket;
  private refusedInARow = 0;
  private readonly watched = new Map<string, Watched>();
  private host: { id: string; syncing: boolean; resolvedDuringSync: Set<string> } | undefined;
  private closed = false;

  constructor(
    readonly conn: LiveConnection,
    readonly user: AccessClaims | undefined,
    private readonly service: LiveService,
  ) {
    this.bucket = new TokenBucket(service.limits.messagesPerSecond, service.limits.burst);
  }

  /** Hosts get their pending approval prompts right away, then live ones. */
  start() {
    if (this.user && hasAnyRole(this.user.roles, ["host"])) void this.startHostChannel(this.user.userId);
  }

  send(frame: Frame) {
    if (!this.closed) this.conn.send(frame);
  }

  private error(code: LiveErrorCode, message: string, ref?: Ref) {
    this.service.metrics.clientErrors.inc({ code });
    this.send(new Frame(encode.error(code, message, ref)));
  }

  /** A text frame from `ws`. */
  receiveText(text: string) {
    if (!this.admit()) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.error("invalid_message", parsed.problem, parsed.ref);
    this.dispatch(parsed.message);
  }

  /** An event payload from socket.io (already decoded by its parser). */
  receiveValue(value: unknown) {
    if (!this.admit()) return;
    const parsed = parseClientValue(value);
    if (!parsed.ok) return this.error("invalid_message", parsed.problem, parsed.ref);
    this.dispatch(parsed.message);
  }

  /** A frame the transport could not hand over as a message (e.g. binary). */
  receiveUnreadable(problem: string) {
    if (this.admit()) this.error("invalid_message", problem);
  }

  private admit(): boolean {
    if (this.closed) return false;
    if (this.bucket.take()) {
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow += 1;
    if (this.refusedInARow > this.service.limits.burst) {
      this.conn.close(1008, "message rate limit exceeded");
      return false;
    }
    this.error("rate_limited", `at most ${this.service.limits.messagesPerSecond} messages per second`);
    return false;
  }

  private dispatch(message: ClientMessage) {
    this.handle(message).catch((error: unknown) => {
      this.service.logger.error({ err: error, type: message.type }, "live: message handling failed");
      this.error("internal", "could not handle the message", message.ref);
    });
  }

  private async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case "subscribe":
        return "viewport" in message
          ? this.subscribeViewport(message.viewport, message.zoom, message.ref)
          : this.subscribeCells(message.cells, message.ref);
      case "unsubscribe":
        return this.unsubscribe(message.cells ?? [...this.watched.keys()], message.ref);
      case "resume":
        return this.resume(message.cells, message.ref);
      case "approve":
      case "reject":
        return this.decide(message);
    }
  }

  private kindOf(cell: string): "cell" | "aggregate" | undefined {
    if (!isValidCell(cell)) return undefined;
    const resolution = getResolution(cell);
    if (resolution === this.service.resolutions.map) return "cell";
    if (resolution === this.service.resolutions.aggregate) return "aggregate";
    return undefined;
  }

  private roomFor(cells: readonly string[], ref?: Ref): boolean {
    const added = cells.filter((c) => !this.watched.has(c)).length;
    if (this.watched.size + added <= this.service.limits.maxWatchedCells) return true;
    this.error("too_many_cells", `at most ${this.service.limits.maxWatchedCells} cells per connection`, ref);
    return false;
  }

  private async subscribeViewport(
    viewport: { north: number; south: number; east: number; west: number },
    zoom: number,
    ref?: Ref,
  ) {
    const result = planViewport(viewport, zoom, this.service.resolutions, {
      spacesMinZoom: this.service.limits.spacesMinZoom,
      maxCells: this.service.limits.maxCellsPerSubscription,
    });
    if (!result.ok) return this.error("viewport_too_large", result.reason, ref);
    const next = new Set(result.plan.cells);
    const leaving = [...this.watched].filter(([c, w]) => w.viaViewport && !next.has(c)).map(([c]) => c);
    for (const cell of leaving) this.unwatch(cell);
    if (!this.roomFor(result.plan.cells, ref)) return;
    this.send(new Frame(encode.subscribed(result.plan.mode, result.plan.cells, ref)));
    await this.watchAll(result.plan.cells, true);
  }

  private async subscribeCells(cells: readonly string[], ref?: Ref) {
    const unique = [...new Set(cells)];
    const wrong = unique.find((c) => this.kindOf(c) === undefined);
    if (wrong) {
      return this.error(
        "invalid_message",
        `cell ${wrong} is not at the map (${this.service.resolutions.map}) or aggregate (${this.service.resolutions.aggregate}) resolution`,
        ref,
      );
    }
    if (!this.roomFor(unique, ref)) return;
    const spaces = unique.filter((c) => this.kindOf(c) === "cell");
    const aggregates = unique.filter((c) => this.kindOf(c) === "aggregate");
    if (spaces.length) this.send(new Frame(encode.subscribed("spaces", spaces, ref)));
    if (aggregates.length) this.send(new Frame(encode.subscribed("aggregate", aggregates, ref)));
    await this.watchAll(unique, false);
  }

  private async resume(cells: Record<string, { epoch: string; offset: number }>, ref?: Ref) {
    const entries = Object.entries(cells);
    const wrong = entries.find(([c]) => this.kindOf(c) !== "cell");
    if (wrong) return this.error("invalid_message", `cell ${wrong[0]} is not at the map resolution`, ref);
    if (
      !this.roomFor(
        entries.map(([c]) => c),
        ref,
      )
    )
      return;
    this.send(
      new Frame(
        encode.subscribed(
          "spaces",
          entries.map(([c]) => c),
          ref,
        ),
      ),
    );
    // Resumed cells count as viewport cells: the next viewport subscription drops those outside it.
    await Promise.all(entries.map(([cell, position]) => this.watchCell(cell, true, position)));
  }

  private async watchAll(cells: readonly string[], viaViewport: boolean) {
    const fresh = cells.filter((c) => !this.watched.has(c));
    for (const c of cells) {
      const w = this.watched.get(c);
      if (w && viaViewport === false) w.viaViewport = false; // asked for explicitly: stays when the viewport moves
    }
    const aggregates = fresh.filter((c) => this.kindOf(c) === "aggregate");
    const mapCells = fresh.filter((c) => this.kindOf(c) === "cell");
    await Promise.all([
      mapCells.length ? this.watchCells(mapCells, viaViewport) : Promise.resolve(),
      aggregates.length ? this.watchAggregates(aggregates, viaViewport) : Promise.resolve(),
    ]);
  }

  /**
   * Joins every cell's stream first, then reads the ledger once for all the cells Redis has no state
   * for, then sends each cell: a space that appears after that ledger read announces itself on the
   * stream (`cell_reset`), which this watch already hears, so an empty answer is never left stale.
   */
  private async watchCells(cells: readonly string[], viaViewport: boolean) {
    const joined = await Promise.all(
      cells.map(async (cell) => {
        if (this.watched.has(cell) || this.closed) return undefined;
        this.watched.set(cell, { kind: "cell", viaViewport });
        const { watch, ready } = this.service.hub.watchCell(cell, this);
        try {
          await ready;
          return { cell, watch };
        } catch (error) {
          this.failCell(cell, error);
          return undefined;
        }
      }),
    );
    const ready = joined.filter((j) => j !== undefined);
    let empty = new Set<string>();
    if (ready.length > 1) {
      // One ledger read for every cell Redis has no state for, instead of one per cell; a failure
      // here is retried per cell.
      empty = await this.service.broker
        .prebuild(ready.map((j) => j.cell))
        .catch((error: unknown): Set<string> => {
          this.service.logger.warn({ err: error }, "live: prebuilding cells failed");
          return new Set();
        });
    }
    await Promise.all(ready.map(({ cell, watch }) => this.sync(cell, watch, undefined, empty.has(cell))));
  }

  private async watchCell(cell: string, viaViewport: boolean, since?: CellPosition) {
    if (this.watched.has(cell) || this.closed) return;
    this.watched.set(cell, { kind: "cell", viaViewport });
    const { watch, ready } = this.service.hub.watchCell(cell, this);
    try {
      await ready;
    } catch (error) {
      return this.failCell(cell, error);
    }
    await this.sync(cell, watch, since);
  }

  private async watchAggregates(cells: string[], viaViewport: boolean) {
    for (const c of cells) this.watched.set(c, { kind: "aggregate", viaViewport });
    try {
      await Promise.all(cells.map((c) => this.service.hub.watchAggregate(c, this)));
      const counts = await this.service.broker.readAggregates(cells);
      for (const count of counts) {
        const seen = this.service.hub.aggregateWatch(count.cell, this);
        if (seen) offerAggregate(this, seen, count.version, new Frame(encode.aggregate(count)));
      }
    } catch (error) {
      for (const c of cells) this.failCell(c, error);
    }
  }

  /** Re-reads an aggregate's counts (a space appeared under it); latest wins, as for live counts. */
  resyncAggregate(cell: string) {
    if (this.closed || !this.service.hub.aggregateWatch(cell, this)) return;
    this.service.broker
      .readAggregates([cell])
      .then((counts) => {
        for (const count of counts) {
          const seen = this.service.hub.aggregateWatch(count.cell, this);
          if (seen) offerAggregate(this, seen, count.version, new Frame(encode.aggregate(count)));
        }
      })
      .catch((error: unknown) => this.failCell(cell, error));
  }

  /** Re-reads a cell after a jump in its stream: the missed deltas, or a snapshot. */
  resync(cell: string) {
    const watch = this.service.hub.cellWatch(cell, this);
    if (!watch || watch.queue !== null || this.closed) return;
    watch.queue = [];
    void this.sync(
      cell,
      watch,
      watch.epoch === null ? undefined : { epoch: watch.epoch, offset: watch.offset },
    );
  }

  private async sync(cell: string, watch: CellWatch, since?: CellPosition, emptyInLedger = false) {
    try {
      const read = await this.service.broker.readCell(cell, since, { emptyInLedger });
      if (this.closed || this.service.hub.cellWatch(cell, this) !== watch) return;
      if (read.kind === "snapshot") {
        this.send(new Frame(encode.snapshot(cell, read.epoch, read.offset, read.spaces)));
      } else {
        for (const message of read.messages) this.send(new Frame(message));
      }
      watch.epoch = read.epoch;
      watch.offset = read.offset;
      const queued = watch.queue ?? [];
      watch.queue = null;
      if (queued.length >= MAX_QUEUED || watch.stale) {
        watch.stale = false;
        return this.resync(cell);
      }
      for (const delta of queued) applyDelta(this, cell, watch, delta);
    } catch (error) {
      this.failCell(cell, error);
    }
  }

  private failCell(cell: string, error: unknown) {
    this.service.logger.error({ err: error, cell }, "live: could not read a cell");
    this.unwatch(cell);
    this.error("unavailable", `cell ${cell} could not be read; subscribe again`);
  }

  private unwatch(cell: string) {
    const w = this.watched.get(cell);
    if (!w) return;
    this.watched.delete(cell);
    if (w.kind === "cell") this.service.hub.unwatchCell(cell, this);
    else this.service.hub.unwatchAggregate(cell, this);
  }

  private unsubscribe(cells: readonly string[], ref?: Ref) {
    const removed = cells.filter((c) => this.watched.has(c));
    for (const cell of removed) this.unwatch(cell);
    this.send(new Frame(encode.unsubscribed(removed, ref)));
  }

  private async startHostChannel(hostId: string) {
    const host = { id: hostId, syncing: true, resolvedDuringSync: new Set<string>() };
    this.host = host;
    try {
      await this.service.hub.watchHost(hostId, this);
      const pending = await this.service.broker.pendingPrompts(hostId);
      for (const message of pending) {
        const bookingId = (JSON.parse(message) as { bookingId: string }).bookingId;
        if (!host.resolvedDuringSync.has(bookingId)) this.send(new Frame(message));
      }
    } catch (error) {
      this.service.logger.error({ err: error, hostId }, "live: could not load pending prompts");
      this.error("unavailable", "approval prompts could not be loaded; reconnect");
    } finally {
      host.syncing = false;
    }
  }

  hostMessage(message: { type: string; bookingId: string }, frame: Frame) {
    if (this.host?.syncing && message.type === "approval_resolved") {
      this.host.resolvedDuringSync.add(message.bookingId);
    }
    this.send(frame);
  }

  private async decide(message: Extract<ClientMessage, { type: "approve" | "reject" }>) {
    if (!this.user) return this.error("unauthenticated", "log in as a host to decide requests", message.ref);
    if (!hasAnyRole(this.user.roles, ["host"])) {
      return this.error("forbidden", "only hosts decide booking requests", message.ref);
    }
    try {
      const input = { hostId: this.user.userId, bookingId: message.bookingId };
      const decision =
        message.type === "approve"
          ? await this.service.commands.approve(input)
          : await this.service.commands.reject(message.reason ? { ...input, reason: message.reason } : input);
      this.send(new Frame(encode.ack(decision.bookingId, decision.status, message.ref)));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.error(
        liveCodeOf(error),
        error.isPublic ? error.message : "could not decide the request",
        message.ref,
      );
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    for (const cell of [...this.watched.keys()]) this.unwatch(cell);
    if (this.host) this.service.hub.unwatchHost(this.host.id, this);
  }
}

function liveCodeOf(error: AppError): LiveErrorCode {
  if (error.status === 404) return "not_found";
  if (error.status === 403) return "forbidden";
  if (error.status === 401) return "unauthenticated";
  if (error.status === 409) return "conflict";
  if (error.status === 503) return "unavailable";
  if (error.status === 400 || error.status === 422) return "invalid_message";
  return "internal";
}
