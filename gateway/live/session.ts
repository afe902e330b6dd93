// One client connection's conversation, the same for both transports: rate limit, parse, then
// subscribe / unsubscribe / resume (snapshots, deltas, aggregates through the hub) and, for hosts,
// approval prompts and approve / reject. The identity a token gave lasts until the token expires or
// its session ends (logout, password reset, a role taken away): then the socket is told
// `session_ended`, loses its host rights, keeps its map, and may `authenticate` with a fresh token.
// Nothing a client sends can throw out of here.
import { getResolution, isValidCell } from "h3-js";
import type { AccessClaims } from "../../src/auth/access-tokens.ts";
import {
  type RevocationNotice,
  revocationConcerns,
  type SessionEndReason,
} from "../../src/auth/session-revocations.ts";
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

/** setTimeout's longest delay; a later expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class LiveSession implements Watcher {
  private readonly bucket: TokenBucket;
  private refusedInARow = 0;
  private readonly watched = new Map<string, Watched>();
  private host: { id: string; syncing: boolean; resolvedDuringSync: Set<string> } | undefined;
  private closed = false;
  /** Who the socket speaks for now; undefined when anonymous or once its session ended. */
  private user: AccessClaims | undefined;
  /** Why the last identity ended, for the refusal of what needed it. */
  private ended: SessionEndReason | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly conn: LiveConnection,
    private readonly handshakeUser: AccessClaims | undefined,
    private readonly service: LiveService,
  ) {
    this.bucket = new TokenBucket(service.limits.messagesPerSecond, service.limits.burst);
  }

  /** Hosts get their pending approval prompts right away, then live ones. */
  start() {
    if (this.handshakeUser) this.adopt(this.handshakeUser);
  }

  /** Takes on an identity: heard by revocations, ended at its expiry, and prompted if a host. */
  private adopt(user: AccessClaims) {
    const previous = this.user;
    if (previous && previous.userId !== user.userId) this.dropIdentity();
    this.user = user;
    this.ended = undefined;
    this.service.hub.watchUser(user.userId, this);
    this.scheduleExpiry(user);
    const isHost = hasAnyRole(user.roles, ["host"]);
    if (isHost && !this.host) void this.startHostChannel(user.userId);
    if (!isHost) this.stopHostChannel();
  }

  private scheduleExpiry(user: AccessClaims) {
    clearTimeout(this.expiryTimer);
    const delay = user.expiresAt * 1000 - Date.now();
    this.expiryTimer = setTimeout(
      () => {
        if (this.user !== user) return;
        if (user.expiresAt * 1000 <= Date.now()) this.endIdentity("token_expired");
        else this.scheduleExpiry(user);
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    this.expiryTimer.unref();
  }

  /** Forgets the identity without a word (the socket closes, or it authenticates as someone else). */
  private dropIdentity() {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.user) this.service.hub.unwatchUser(this.user.userId, this);
    this.user = undefined;
    this.stopHostChannel();
  }

  /** The identity's rights end: told to the client, which keeps its map and may authenticate again. */
  private endIdentity(reason: SessionEndReason) {
    if (!this.user || this.closed) return;
    this.dropIdentity();
    this.ended = reason;
    this.service.metrics.sessionsEnded.inc({ reason });
    this.send(new Frame(encode.sessionEnded(reason)));
  }

  /** An ended session, heard on the revocation channel. */
  revoke(notice: RevocationNotice) {
    if (this.user && revocationConcerns(notice, this.user)) this.endIdentity(notice.reason);
  }

  /** Re-reads the standing of the token (after the revocation feed was interrupted). */
  recheckIdentity() {
    const user = this.user;
    if (!user) return;
    this.service.identity
      .standing(user)
      .then((standing) => {
        if (this.user !== user) return;
        if (!standing.ok) return this.endIdentity("session_revoked");
        const wasHost = hasAnyRole(user.roles, ["host"]);
        if (wasHost && !hasAnyRole(standing.claims.roles, ["host"])) this.endIdentity("roles_changed");
      })
      .catch((error: unknown) => {
        this.service.logger.warn({ err: error }, "live: could not re-read a session's standing");
      });
  }

  private async authenticate(token: string, ref?: Ref) {
    const checked = await this.service.identity.check(token).catch((error: unknown) => {
      this.service.logger.error({ err: error }, "live: could not check an access token");
      return undefined;
    });
    if (this.closed) return;
    if (checked === undefined)
      return this.error("unavailable", "the token could not be checked; try again", ref);
    if (!checked.ok) return this.error("unauthenticated", checked.message, ref);
    this.adopt(checked.user);
    this.send(new Frame(encode.authenticated(checked.user, ref)));
  }

  /** The identity now, ending it first if its token expired before its timer fired. */
  private currentUser(): AccessClaims | undefined {
    if (this.user && this.user.expiresAt * 1000 <= Date.now()) this.endIdentity("token_expired");
    return this.user;
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
      case "authenticate":
        return this.authenticate(message.token, message.ref);
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
      if (this.host !== host) return; // the identity ended meanwhile
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

  private stopHostChannel() {
    if (!this.host) return;
    this.service.hub.unwatchHost(this.host.id, this);
    this.host = undefined;
  }

  hostMessage(message: { type: string; bookingId: string }, frame: Frame) {
    if (this.host?.syncing && message.type === "approval_resolved") {
      this.host.resolvedDuringSync.add(message.bookingId);
    }
    this.send(frame);
  }

  private async decide(message: Extract<ClientMessage, { type: "approve" | "reject" }>) {
    const user = this.currentUser();
    if (!user) {
      return this.error(
        "unauthenticated",
        this.ended
          ? `the session ended (${this.ended}); send authenticate with a fresh access token`
          : "log in as a host to decide requests",
        message.ref,
      );
    }
    if (!hasAnyRole(user.roles, ["host"])) {
      return this.error("forbidden", "only hosts decide booking requests", message.ref);
    }
    try {
      const input = { hostId: user.userId, bookingId: message.bookingId };
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
    this.dropIdentity();
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
