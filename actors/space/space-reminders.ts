// The durable reminders a space actor needs (a deadline, a start, an end), as data the runtime
// schedules: each is a command to deliver to the actor at a time, under a key unique within the
// actor, so rescheduling replaces and settling cancels.
import type { SpaceCommand } from "./space-commands.ts";
import { findSpaceBooking, type SpaceBooking, type SpaceState } from "./space-state.ts";

export interface SpaceReminder {
  /** Unique within the actor: `expire:<bookingId>`, `start:<bookingId>`, `end:<bookingId>`. */
  readonly key: string;
  /** UTC epoch ms when the command becomes due. */
  readonly at: number;
  /** What to deliver; its commandId names the occurrence, so a re-fired reminder has one effect. */
  readonly command: SpaceCommand;
}

/** What of a booking its reminders depend on (the actor's state, or a ledger row). */
export type ReminderBooking = Pick<SpaceBooking, "id" | "status" | "start" | "end" | "expiresAt">;

/** The reminders a booking in its current status needs; none once it is final. */
export function bookingReminders(booking: ReminderBooking): SpaceReminder[] {
  const { id } = booking;
  switch (booking.status) {
    case "awaiting_payment":
    case "pending_approval": {
      const at = booking.expiresAt ?? booking.start;
      return [
        reminder(`expire:${id}`, at, { type: "expire", commandId: `expire:${id}:${at}`, bookingId: id }),
      ];
    }
    case "confirmed":
      return [
        reminder(`start:${id}`, booking.start, {
          type: "start",
          commandId: `start:${id}:${booking.start}`,
          bookingId: id,
        }),
        endReminder(booking),
      ];
    case "active":
      return [endReminder(booking)];
    default:
      return [];
  }
}

/** Every reminder the state needs: what the runtime should hold after rebuilding an actor. */
export function spaceReminders(state: SpaceState): SpaceReminder[] {
  return [...state.bookings].flatMap(bookingReminders);
}

/**
 * What to schedule and cancel after a state change: reminders of `after` that are new or moved,
 * and keys of `before` that `after` no longer needs. Compares the bookings named in `bookingIds`
 * (the ones a decision touched); by default every booking of `after`.
 */
export function reminderChanges(
  before: SpaceState,
  after: SpaceState,
  bookingIds: readonly string[] = [...after.bookings].map((b) => b.id),
): { set: SpaceReminder[]; cancel: string[] } {
  const set: SpaceReminder[] = [];
  const cancel: string[] = [];
  for (const id of bookingIds) {
    const next = findSpaceBooking(after, id);
    const previous = findSpaceBooking(before, id);
    if (next === undefined || previous === next) continue;
    const old = previous === undefined ? [] : bookingReminders(previous);
    const fresh = bookingReminders(next);
    for (const r of fresh) {
      const same = old.find((o) => o.key === r.key);
      if (same === undefined || same.command.commandId !== r.command.commandId) set.push(r);
    }
    for (const o of old) if (!fresh.some((r) => r.key === o.key)) cancel.push(o.key);
  }
  return { set, cancel };
}

function endReminder(booking: ReminderBooking): SpaceReminder {
  const { id, end } = booking;
  return reminder(`end:${id}`, end, { type: "end", commandId: `end:${id}:${end}`, bookingId: id });
}

function reminder(key: string, at: number, command: SpaceCommand): SpaceReminder {
  return { key, at, command };
}
