// One command through a space actor, as the runtime runs it for each mailbox entry: decide on the
// state in hand, commit to PostgreSQL before answering, fold the events in, and say which
// reminders to set or cancel. A stale state (the ledger knew better) is rebuilt from PostgreSQL
// and the command decided again, so a worker that took over with old state still answers right.
import type { Pool } from "../../src/storage/postgres.ts";
import { applyAll } from "./apply.ts";
import { type BookingView, bookingView } from "./booking-view.ts";
import { decide } from "./decide.ts";
import type { SpaceCommand, SpaceEvent, SpaceRejection } from "./space-commands.ts";
import { REJECTION_STATUS } from "./space-commands.ts";
import { commitSpaceEvents, findCommandOutcome } from "./space-ledger.ts";
import { loadSpaceState } from "./space-loader.ts";
import type { SpacePolicy } from "./space-policy.ts";
import { reminderChanges, type SpaceReminder, spaceReminders } from "./space-reminders.ts";
import { findSpaceBooking, type SpaceState } from "./space-state.ts";

export interface SpaceActorDeps {
  readonly pool: Pool;
  readonly policy: SpacePolicy;
  readonly now?: () => number;
}

export type SpaceReply =
  | {
      readonly ok: true;
      /** The booking the command concerned, after it; null for space-wide commands. */
      readonly booking: BookingView | null;
      /** True when the command had been committed before and this answer repeats its outcome. */
      readonly replayed: boolean;
    }
  | {
      readonly ok: false;
      readonly status: 403 | 404 | 409 | 422;
      readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
    };

export interface SpaceOutcome {
  /** The state to keep (write it to Redis, fenced). */
  readonly state: SpaceState;
  readonly reply: SpaceReply;
  /** The events committed by this command (for the live availability feed); empty otherwise. */
  readonly events: readonly SpaceEvent[];
  /** Reminders to schedule and keys to cancel. After a rebuild: every reminder the state needs. */
  readonly reminders: { readonly set: readonly SpaceReminder[]; readonly cancel: readonly string[] };
  /** True when the state was rebuilt from PostgreSQL along the way. */
  readonly rebuilt: boolean;
}

/** Rejections a command delivered again after its effect would get: worth asking the ledger. */
const MAYBE_ALREADY_DONE = new Set(["invalid_transition", "invalid_window"]);

export async function handleSpaceCommand(
  deps: SpaceActorDeps,
  initial: SpaceState,
  command: SpaceCommand,
): Promise<SpaceOutcome> {
  const now = (deps.now ?? Date.now)();
  let state = initial;
  let rebuilt = false;
  // At most one rebuild: the second decision runs on the ledger's own state.
  for (let attempt = 0; ; attempt++) {
    const decision = decide(state, command, now, deps.policy);
    if (!decision.ok) {
      if (MAYBE_ALREADY_DONE.has(decision.rejection.code) && command.type !== "scheduleChanged") {
        const first = await findCommandOutcome(deps.pool, command.commandId);
        if (first !== null) return done(initial, state, rebuilt, [], replay(state, first));
      }
      return done(initial, state, rebuilt, [], rejected(decision.rejection));
    }
    if (decision.events.length === 0) {
      const booking = decision.bookingId === null ? undefined : findSpaceBooking(state, decision.bookingId);
      return done(initial, state, rebuilt, [], {
        ok: true,
        booking: booking === undefined ? null : bookingView(state.spaceId, booking),
        replayed: true,
      });
    }
    const result = await commitSpaceEvents(deps.pool, {
      spaceId: state.spaceId,
      commandId: command.commandId,
      commandType: command.type,
      events: decision.events,
    });
    if (result.outcome === "committed") {
      const next = applyAll(state, decision.events);
      const booking = decision.bookingId === null ? undefined : findSpaceBooking(next, decision.bookingId);
      return done(initial, next, rebuilt, decision.events, {
        ok: true,
        booking: booking === undefined ? null : bookingView(next.spaceId, booking),
        replayed: false,
      });
    }
    // The ledger disagrees with the state: rebuild it, then answer from the fresh state.
    const fresh = await loadSpaceState(deps.pool, state.spaceId, now);
    if (fresh === null) return done(initial, state, rebuilt, [], rejected(notFound("space")));
    state = fresh;
    rebuilt = true;
    if (result.outcome === "replayed")
      return done(initial, state, rebuilt, [], replay(state, result.booking));
    if (attempt >= 1) {
      return done(initial, state, rebuilt, [], {
        ok: false,
        status: 409,
        error: { code: result.code, message: result.message },
      });
    }
  }
}

function done(
  initial: SpaceState,
  state: SpaceState,
  rebuilt: boolean,
  events: readonly SpaceEvent[],
  reply: SpaceReply,
): SpaceOutcome {
  if (!rebuilt) {
    const touched = events.flatMap((e) =>
      e.type === "bookingRequested" ? [e.booking.id] : "bookingId" in e ? [e.bookingId] : [],
    );
    return { state, reply, events, reminders: reminderChanges(initial, state, touched), rebuilt };
  }
  // The reminders may be as stale as the state was: set every one it needs, drop the rest.
  const set = spaceReminders(state);
  const needed = new Set(set.map((r) => r.key));
  const cancel = spaceReminders(initial)
    .map((r) => r.key)
    .filter((key) => !needed.has(key));
  const reminders = { set, cancel };
  return { state, reply, events, reminders, rebuilt };
}

function replay(state: SpaceState, booking: Parameters<typeof bookingView>[1]): SpaceReply {
  return { ok: true, booking: bookingView(state.spaceId, booking), replayed: true };
}

function rejected(rejection: SpaceRejection): SpaceReply {
  const { code, message, details } = rejection;
  return {
    ok: false,
    status: REJECTION_STATUS[code],
    error: details === undefined ? { code, message } : { code, message, details },
  };
}

function notFound(what: string): SpaceRejection {
  return { code: "not_found", message: `${what} not found` };
}
