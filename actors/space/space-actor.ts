// The space actor as the runtime runs it (`defineActor`): state rebuilt from PostgreSQL when Redis
// has none, each command decided in memory, its events committed to PostgreSQL for the whole batch
// before any reply, reminders (deadline, start, end) kept in step with the bookings.

import { AppError, errors } from "../../src/errors.ts";
import type { LiveContext } from "../../src/live/index.ts";
import type { Logger } from "../../src/logger.ts";
import { BatchLoader } from "../../src/storage/batch-loader.ts";
import type { BookingAdmission } from "../../src/storage/booking-admission.ts";
import type { Pool } from "../../src/storage/postgres.ts";
import type { ActorContext } from "../runtime/actor.ts";
import { DecideAgainError, defineActor, sameRequest, shardOfShardCell } from "../runtime/index.ts";
import { applyAll } from "./apply.ts";
import { type BookingView, bookingView } from "./booking-view.ts";
import { decide } from "./decide.ts";
import { RequestCommitGroup } from "./request-commit-group.ts";
import {
  type ListingChangedCommand,
  type SpaceActorCommand,
  type SpaceCommand,
  spaceActorCommandSchema,
} from "./space-commands.ts";
import { bookingEntry, entriesTouchedBy, spaceStateEntries } from "./space-entries.ts";
import { rejectionError } from "./space-errors.ts";
import {
  type CommandRecord,
  commitSpaceBatch,
  findBooking,
  findCommandRecords,
  type LedgerCommit,
  RecordedCommands,
} from "./space-ledger.ts";
import { SpaceLivePublisher } from "./space-live-publisher.ts";
import { loadSpaceStates, loadSpaceVersion, UUID } from "./space-loader.ts";
import { applyPendingPlaceChanges, pendingPlaceChanges } from "./space-pending-places.ts";
import type { SpacePolicy } from "./space-policy.ts";
import { bookingReminders, reminderChanges, spaceReminders } from "./space-reminders.ts";
import {
  BookingList,
  findSpaceBooking,
  pruneSpaceState,
  type SpaceState,
  storedSpaceStateSchema,
} from "./space-state.ts";

export const SPACE_ACTOR_TYPE = "space";

/** How often an active space actor compares its settings' version with PostgreSQL. */
export const SETTINGS_CHECK_MS = 1000;

/** The reply to every space command: the booking it concerned, after it; null for space-wide commands. */
export type SpaceActorReply = BookingView | null;

export interface SpaceActorOptions {
  readonly pool: Pool;
  readonly policy: SpacePolicy;
  /** Where committed decisions are published for the live map and host prompts; none: not published. */
  readonly live?: LiveContext | undefined;
  /** Where a failed live publish is reported. */
  readonly logger?: Logger | undefined;
  /**
   * Drivers' places among pending requests (BOOKING_PENDING_PER_DRIVER), held and given back as
   * requests wait and are decided; none: not kept (the gateway's reservations then lapse).
   */
  readonly admission?: BookingAdmission | undefined;
  /**
   * Request batches of this worker's spaces written together, this many statements in flight at
   * once (request-commit-group.ts); 0 writes each batch alone. Default 2.
   */
  readonly requestCommitConcurrency?: number | undefined;
  /**
   * ACTOR_SHARD_COUNT: with it, an actor whose space now belongs to another shard (moved) stands
   * down (answers space_moved, keeps no reminders); without it, shards are not checked.
   */
  readonly shardCount?: number | undefined;
  /** How often a refusal compares the settings' version with PostgreSQL (default SETTINGS_CHECK_MS). */
  readonly settingsCheckMs?: number | undefined;
}

/**
 * What a space command stages for its batch's flush: a decision to commit, or the id of a refused
 * command to look for in the ledger's records (all of a batch's in one query).
 */
type SpaceWrite = LedgerCommit | { readonly probe: string };

type SpaceContext = ActorContext<SpaceState, SpaceWrite>;

/** Host id of the state a missing space's actor holds: it takes nothing, every command is a 404. */
const GONE = "-";

/** The state of a space that does not exist or was deleted (kept so its actor answers 404, not retries). */
function goneSpace(spaceId: string): SpaceState {
  return {
    spaceId,
    settings: {
      hostId: GONE,
      bookingMode: "instant",
      currency: "EUR",
      rates: { hourly: 0, daily: null, monthly: null },
      rules: {
        timeZone: "UTC",
        weeklyHours: [],
        exceptions: [],
        bufferMinutes: 0,
        minNoticeMinutes: 0,
        minDurationMinutes: 1,
        maxDurationMinutes: null,
      },
      accepting: false,
    },
    bookings: BookingList.empty(),
  };
}

const spaceNotFound = () => new AppError("not_found", 404, "space not found");

/** Host id of the state an actor holds for a space that moved to another shard's actor. */
const MOVED = ">";

/** The state of a space served by another shard now: it takes nothing, every command is space_moved. */
function movedSpace(spaceId: string): SpaceState {
  const gone = goneSpace(spaceId);
  return { ...gone, settings: { ...gone.settings, hostId: MOVED } };
}

const spaceMoved = () =>
  new AppError("space_moved", 503, "the space moved to another shard; send the command again");

/** Refuses a command for a space this actor does not serve (deleted, or moved to another shard). */
function assertServed(state: SpaceState): void {
  if (state.settings.hostId === GONE) throw spaceNotFound();
  if (state.settings.hostId === MOVED) throw spaceMoved();
}

/** The address-free description of the actor, for `client.ask` (type, and the reply type). */
export function createSpaceActor(options: SpaceActorOptions) {
  const { pool, policy, live } = options;
  const publisher = live === undefined ? undefined : new SpaceLivePublisher(live, options.logger);
  const concurrency = options.requestCommitConcurrency ?? 2;
  const requests = concurrency > 0 ? new RequestCommitGroup(pool, { concurrency }) : undefined;
  const settingsCheckMs = options.settingsCheckMs ?? SETTINGS_CHECK_MS;
  /** Each space's shard cell as last read from the ledger (which shard's actor serves it). */
  const shardCells = new Map<string, string>();
  /**
   * Spaces whose state PostgreSQL contradicted (a taken slot or a moved status only the ledger saw):
   * their next command reloads the state from PostgreSQL before deciding.
   */
  const stale = new Set<string>();

  /** When each space's version was last compared with PostgreSQL (wall-clock ms). */
  const checkedAt = new Map<string, number>();

  /**
   * Commands a flush found recorded in the ledger (resends whose stored replies are gone, or another
   * request under a used key), by command id: the batch is decided again and each is answered from
   * its record.
   */
  const recorded = new Map<string, CommandRecord>();
  /** Record lookups (refused commands' probes, resent requests): one query per turn for all actors. */
  const records = new BatchLoader<string, CommandRecord>((ids) => findCommandRecords(pool, ids));

  /** The first answer to a command recorded before; another request under its key is refused. */
  async function answerRecorded(ctx: SpaceContext, record: CommandRecord): Promise<SpaceActorReply> {
    if (!sameRequest(record.fingerprint, ctx.fingerprint)) throw errors.keyReused();
    ctx.markReplayed();
    if (record.answer !== null) return JSON.parse(record.answer) as SpaceActorReply;
    const booking = await findBooking(pool, record.bookingId);
    return booking === null ? null : bookingView(booking.spaceId, booking);
  }

  /** A command recorded before, as a flush found it, or (`lookUp`) as the ledger holds it now. */
  async function recordOf(ctx: SpaceContext, lookUp: boolean): Promise<CommandRecord | undefined> {
    const found = recorded.get(ctx.commandId);
    if (found !== undefined) {
      recorded.delete(ctx.commandId);
      return found;
    }
    return lookUp ? records.load(ctx.commandId) : undefined;
  }

  /**
   * Activations and reloads that arrive together read their spaces in one query. Each space is read
   * as of the earliest instant asked for it in the batch (a state read earlier holds a superset of
   * what a later one would; the actor prunes it to its own now).
   */
  const askedAt = new Map<string, number>();
  const states = new BatchLoader<string, SpaceState>(async (ids) => {
    let now = Number.POSITIVE_INFINITY;
    for (const id of ids) {
      now = Math.min(now, askedAt.get(id) ?? Number.POSITIVE_INFINITY);
      askedAt.delete(id);
    }
    return loadSpaceStates(pool, ids, Number.isFinite(now) ? now : Date.now(), (id, location) => {
      publisher?.remember(id, location);
      if (shardCells.size >= 100_000) shardCells.clear();
      shardCells.set(id, location.shardCell);
    });
  });
  /** The space as the ledger holds it now; the moved state when another shard serves it now. */
  async function loadState(spaceId: string, now: number, shard: number): Promise<SpaceState | null> {
    if (!UUID.test(spaceId)) return null;
    const key = spaceId.toLowerCase();
    askedAt.set(key, Math.min(askedAt.get(key) ?? now, now));
    const state = await states.load(key);
    if (state === undefined) return null;
    const shardCell = shardCells.get(key);
    const { shardCount } = options;
    if (
      shardCount !== undefined &&
      shardCell !== undefined &&
      shardOfShardCell(shardCell, shardCount) !== shard
    )
      return movedSpace(spaceId);
    return { ...state, spaceId };
  }

  /**
   * A space edited since its state was read (hours, rates, booking mode) must be reloaded. An
   * acceptance needs no look: the commit statement checks the version it was decided on, and a
   * mismatch there marks the state stale and decides the batch again. A refusal never reaches the
   * ledger, so one decided on old settings asks PostgreSQL first, at most once per SETTINGS_CHECK_MS
   * per space. True when the state turned out stale.
   */
  async function settingsChanged(ctx: SpaceContext, state: SpaceState): Promise<boolean> {
    if (state.settings.hostId === GONE || state.settings.hostId === MOVED) return false;
    const wall = Date.now();
    if (wall - (checkedAt.get(ctx.actorId) ?? 0) < settingsCheckMs) return false;
    if (checkedAt.size >= 100_000) checkedAt.clear();
    checkedAt.set(ctx.actorId, wall);
    const version = await loadSpaceVersion(pool, ctx.actorId);
    if (version === (state.settingsVersion ?? null)) return false;
    stale.add(ctx.actorId);
    return true;
  }

  /**
   * The state to decide on: the actor's own, pruned (the dropped bookings leave the stored state
   * with this command), or reloaded from PostgreSQL when it is stale (written whole).
   */
  async function current(ctx: SpaceContext): Promise<SpaceState> {
    if (!stale.has(ctx.actorId)) {
      const { state, removed } = pruneSpaceState(ctx.state, ctx.now());
      if (removed.length > 0) ctx.setState(state, removed.map(bookingEntry));
      return state;
    }
    const fresh = (await loadState(ctx.actorId, ctx.now(), ctx.shard)) ?? goneSpace(ctx.actorId);
    stale.delete(ctx.actorId);
    checkedAt.set(ctx.actorId, Date.now());
    // The reminders may be as stale as the state was: set every one it needs, drop the rest.
    const needed = spaceReminders(fresh);
    const keep = new Set(needed.map((r) => r.key));
    for (const r of spaceReminders(ctx.state)) if (!keep.has(r.key)) ctx.cancelReminder(r.key);
    for (const r of needed) ctx.setReminder(r.key, r.at);
    ctx.setState(fresh);
    return fresh;
  }

  async function run(
    ctx: SpaceContext,
    state: SpaceState,
    command: SpaceCommand,
    decided?: ReturnType<typeof decide>,
  ): Promise<SpaceActorReply> {
    const decision = decided ?? decide(state, command, ctx.now(), policy);
    if (!decision.ok) {
      // A refusal may be a command decided before whose stored reply is gone (its transition is
      // done), or another request under a used key. For commands under a caller's key and for
      // transitions already made, the flush probes the ledger's records of the batch's refused ids
      // in one query; a recorded one has the batch decided again and is answered from its record.
      const record = await recordOf(ctx, false);
      if (record !== undefined) return answerRecorded(ctx, record);
      const probe = ctx.fingerprint !== undefined || decision.rejection.code === "invalid_transition";
      if (probe) ctx.stageWrite({ probe: ctx.commandId });
      throw rejectionError(decision.rejection);
    }
    const { events, bookingId } = decision;
    if (events.length === 0) {
      // A request delivered again: its booking is already in the state, its record in the ledger.
      const record = await recordOf(ctx, true);
      if (record !== undefined) return answerRecorded(ctx, record);
      const booking = bookingId === null ? undefined : findSpaceBooking(state, bookingId);
      return booking === undefined ? null : bookingView(state.spaceId, booking);
    }
    const next = applyAll(state, events);
    ctx.setState(next, entriesTouchedBy(events));
    const touched = bookingId === null ? [] : [bookingId];
    const reminders = reminderChanges(state, next, touched);
    for (const key of reminders.cancel) ctx.cancelReminder(key);
    for (const r of reminders.set) ctx.setReminder(r.key, r.at);
    const booking = bookingId === null ? undefined : findSpaceBooking(next, bookingId);
    const reply = booking === undefined ? null : bookingView(next.spaceId, booking);
    ctx.stageWrite({
      spaceId: state.spaceId,
      commandId: command.commandId,
      commandType: command.type,
      events,
      settingsVersion: state.settingsVersion,
      fingerprint: ctx.fingerprint ?? null,
      answer: JSON.stringify(reply),
    });
    if (publisher !== undefined) ctx.afterCommit(() => publisher.enqueue(next, events));
    const { admission } = options;
    if (admission !== undefined) {
      const places = pendingPlaceChanges(state, events);
      if (places.length > 0)
        ctx.afterCommit(() => applyPendingPlaceChanges(admission, places, options.logger));
    }
    return reply;
  }

  /**
   * A listing change committed in PostgreSQL: the state, reminders included, is read again at once
   * (not at the next version check), and the map is told. An actor whose space moved to another
   * shard keeps a moved state with no reminder, and takes the space off its old cell; the new
   * shard's actor, told too, shows it in its new one.
   */
  async function listingChanged(ctx: SpaceContext, command: ListingChangedCommand): Promise<SpaceActorReply> {
    stale.add(ctx.actorId);
    const state = await current(ctx);
    if (publisher !== undefined) {
      const show = state.settings.hostId !== MOVED;
      ctx.afterCommit(() => publisher.enqueueListing(state, command.previousCell, show));
    }
    return null;
  }

  return defineActor<SpaceState, SpaceActorCommand, SpaceActorReply, SpaceWrite>({
    type: SPACE_ACTOR_TYPE,
    stateSchema: storedSpaceStateSchema,
    entries: spaceStateEntries,
    commandSchema: spaceActorCommandSchema,
    async rebuild(ctx) {
      const state = (await loadState(ctx.actorId, ctx.now(), ctx.shard)) ?? goneSpace(ctx.actorId);
      stale.delete(ctx.actorId);
      checkedAt.set(ctx.actorId, Date.now());
      for (const r of spaceReminders(state)) ctx.setReminder(r.key, r.at);
      return state;
    },
    async handle(ctx, command) {
      if (command.type === "listingChanged") return listingChanged(ctx, command);
      const known = await recordOf(ctx, false);
      if (known !== undefined) return answerRecorded(ctx, known);
      const reloading = stale.has(ctx.actorId);
      let state = await current(ctx);
      // A moved state kept from before may be old news (the space came back): space_moved is only
      // answered on the ledger's word now, so the caller's resend goes to another shard.
      if (state.settings.hostId === MOVED && !reloading) {
        stale.add(ctx.actorId);
        state = await current(ctx);
      }
      assertServed(state);
      const decision = decide(state, command, ctx.now(), policy);
      if (decision.ok || !(await settingsChanged(ctx, state))) return run(ctx, state, command, decision);
      state = await current(ctx);
      assertServed(state);
      return run(ctx, state, command);
    },
    async onReminder(ctx, name) {
      // Committed before (the worker died before acking it): done.
      if ((await recordOf(ctx, false)) !== undefined) return;
      const state = await current(ctx);
      if (state.settings.hostId === GONE || state.settings.hostId === MOVED) return;
      const bookingId = name.slice(name.indexOf(":") + 1);
      const booking = findSpaceBooking(state, bookingId);
      // The command the booking needs under this name now; none when it settled or moved on.
      const due = booking === undefined ? undefined : bookingReminders(booking).find((r) => r.key === name);
      if (due === undefined || due.at > ctx.now()) return;
      try {
        await run(ctx, state, due.command);
      } catch (error) {
        // Not due any more, or settled meanwhile: nothing to do.
        if (error instanceof AppError && error.status !== 500) return;
        throw error;
      }
    },
    async flushWrites(writes, ctx) {
      ctx.assertLeaseHeld();
      const probes = writes.flatMap((w) => ("probe" in w ? [w.probe] : []));
      const commits = writes.filter((w): w is LedgerCommit => !("probe" in w));
      const decideAgain = (records: ReadonlyMap<string, CommandRecord>) => {
        if (recorded.size >= 10_000) recorded.clear();
        for (const [id, record] of records) recorded.set(id, record);
        return new DecideAgainError(
          new AppError("conflict", 409, "a command of this batch was recorded before; send it again"),
        );
      };
      if (probes.length > 0) {
        const found = new Map<string, CommandRecord>();
        for (const record of await Promise.all(probes.map((id) => records.load(id)))) {
          if (record !== undefined) found.set(record.commandId, record);
        }
        if (found.size > 0) throw decideAgain(found);
      }
      if (commits.length === 0) return;
      try {
        await commitSpaceBatch(pool, commits, requests);
      } catch (error) {
        if (error instanceof RecordedCommands) {
          for (const w of commits) stale.add(w.spaceId);
          throw decideAgain(error.records);
        }
        // The ledger refused the data itself: the answer, with nothing to reload.
        if (!(error instanceof AppError) || error.code === "ledger_refused") throw error;
        // The ledger contradicted the state (a taken slot, a moved status, a changed space): reload
        // and decide again rather than answer from a state known to be stale.
        for (const w of commits) stale.add(w.spaceId);
        throw new DecideAgainError(error);
      }
    },
  });
}

export type SpaceActor = ReturnType<typeof createSpaceActor>;
