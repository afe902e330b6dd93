// Compares the ledger's open bookings with the reminders their space actors hold in Redis, and
// repairs what is missing through each actor's mailbox (the actor stays the single writer): a
// deadline passed with no reminder is expired now, any other missing or moved reminder is set again
// by the actor reloading from the ledger (`reconcile`). Bounded: the open bookings whose next
// reminder falls within a horizon, soonest first, a limited number per pass.

import type { BookingStatus } from "../../src/domain/index.ts";
import { AppError } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import type { Redis } from "../../src/storage/redis.ts";
import type { ActorClient } from "../runtime/index.ts";
import { reminderMember, shardKeys } from "../runtime/keys.ts";
import { shardOfShardCell } from "../runtime/sharding.ts";
import type { BookingView } from "./booking-view.ts";
import { SPACE_ACTOR_TYPE, type SpaceActorReply } from "./space-actor.ts";
import { bookingReminders, type ReminderBooking, type SpaceReminder } from "./space-reminders.ts";

export interface ReminderAuditScope {
  /** Actor key namespace (ACTOR_KEY_PREFIX with its colon) and shard count, as the workers use them. */
  readonly namespace: string;
  readonly shardCount: number;
  /** Bookings whose next reminder is due before now + this are looked at. */
  readonly horizonMs: number;
  /** Most bookings looked at per pass (soonest due first). */
  readonly limit: number;
  /**
   * A reminder due less than this long ago may be on its way through the mailbox (delivered, not yet
   * decided): not counted as missing yet.
   */
  readonly graceMs: number;
  /** Only the spaces of these hosts (tests sharing one database); all when absent. */
  readonly hostIds?: readonly string[] | undefined;
}

/** A reminder the ledger says an actor needs and Redis does not hold (or holds for another time). */
export interface MissingReminder {
  readonly spaceId: string;
  readonly shard: number;
  readonly reminder: SpaceReminder;
  /** expire: a request's deadline passed with no reminder (expire it now); rearm: set it again. */
  readonly repair: "expire" | "rearm";
}

interface OpenBookingRow {
  id: string;
  space_id: string;
  shard_cell: string;
  status: BookingStatus;
  start: string;
  end: string;
  expires_at: string | null;
}

/** The open bookings whose next reminder is due before `until`, soonest first (at most `limit`). */
async function openBookings(db: Queryable, until: number, scope: ReminderAuditScope) {
  const { rows } = await db.query<OpenBookingRow>(
    `select b.id, b.space_id, s.h3_shard_cell as shard_cell, b.status,
            (extract(epoch from lower(b.during)) * 1000)::int8 as start,
            (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
            (extract(epoch from b.expires_at) * 1000)::int8 as expires_at
       from bookings b join parking_spaces s on s.id = b.space_id
      where b.status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active')
        and s.status <> 'deleted'
        and ($3::uuid[] is null or s.host_id = any($3::uuid[]))
        and case b.status when 'confirmed' then lower(b.during)
                          when 'active' then upper(b.during)
                          else coalesce(b.expires_at, lower(b.during)) end < $1::timestamptz
      order by case b.status when 'confirmed' then lower(b.during)
                             when 'active' then upper(b.during)
                             else coalesce(b.expires_at, lower(b.during)) end, b.id
      limit $2`,
    [new Date(until), scope.limit, scope.hostIds ?? null],
  );
  return rows.map((row) => {
    const booking: ReminderBooking = {
      id: row.id,
      status: row.status,
      start: Number(row.start),
      end: Number(row.end),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    };
    return { spaceId: row.space_id, shard: shardOfShardCell(row.shard_cell, scope.shardCount), booking };
  });
}

/**
 * The reminders the ledger's open bookings need that their actors' shards do not hold at the right
 * time (one pipelined ZSCORE per reminder). Reminders due within the grace are left alone.
 */
export async function findMissingReminders(
  db: Queryable,
  redis: Redis,
  now: number,
  scope: ReminderAuditScope,
): Promise<MissingReminder[]> {
  const bookings = await openBookings(db, now + scope.horizonMs, scope);
  const wanted = bookings.flatMap(({ spaceId, shard, booking }) =>
    bookingReminders(booking)
      .filter((reminder) => reminder.at <= now - scope.graceMs || reminder.at > now)
      .map((reminder) => ({ spaceId, shard, reminder })),
  );
  if (wanted.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const { spaceId, shard, reminder } of wanted) {
    pipeline.zscore(
      shardKeys(scope.namespace, shard).reminders,
      reminderMember(SPACE_ACTOR_TYPE, spaceId, reminder.key),
    );
  }
  const scores = (await pipeline.exec()) ?? [];
  const missing: MissingReminder[] = [];
  wanted.forEach((w, i) => {
    const [error, score] = scores[i] ?? [];
    if (error) throw error;
    if (score !== null && score !== undefined && Number(score) === w.reminder.at) return;
    // A request past its deadline whose reminder is gone is expired now; a deadline still held in
    // Redis but not delivered waits for its shard's owner.
    const overdue = w.reminder.at <= now && score == null;
    const expire = overdue && w.reminder.command.type === "expire";
    missing.push({ ...w, repair: expire ? "expire" : "rearm" });
  });
  return missing;
}

export interface ReminderRepairs {
  /** Requests expired by this pass (not by the actor's own reminder meanwhile). */
  expired: number;
  /** Reminders the actors set again after reloading from the ledger. */
  rearmed: number;
  /** Spaces whose repair failed (no answer, actor down): looked at again next pass. */
  failed: number;
}

/**
 * Repairs each space's missing reminders through its actor's mailbox: an `expire` for each passed
 * deadline, under the command id its reminder would have used (a deadline the actor settled
 * meanwhile is answered from its record, not decided again), then one `reconcile` per space (reload
 * from the ledger, set every reminder it needs: one the expire could not settle, a stale state not
 * knowing the request, fires at once).
 */
export async function repairReminders(
  actors: ActorClient,
  missing: readonly MissingReminder[],
  logger: Logger,
  passId: string,
): Promise<ReminderRepairs> {
  const bySpace = new Map<string, MissingReminder[]>();
  for (const m of missing) {
    const list = bySpace.get(m.spaceId);
    if (list) list.push(m);
    else bySpace.set(m.spaceId, [m]);
  }
  const repairs: ReminderRepairs = { expired: 0, rearmed: 0, failed: 0 };
  await Promise.all(
    [...bySpace].map(async ([spaceId, found]) => {
      const address = { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard: found[0]!.shard };
      try {
        let expired = 0;
        let rearmed = found.filter((m) => m.repair === "rearm").length;
        for (const m of found.filter((f) => f.repair === "expire")) {
          const outcome = await expireNow(actors, address, m.reminder);
          if (outcome === "expired") expired += 1;
          // The actor's state does not know the request: the reload below sets its reminder, due now.
          else if (outcome === "unknown") rearmed += 1;
        }
        const commandId = `reconcile:${spaceId}:${passId}`;
        await actors.call<SpaceActorReply>(address, { type: "listingChanged", commandId }, { commandId });
        repairs.expired += expired;
        repairs.rearmed += rearmed;
      } catch (error) {
        repairs.failed += 1;
        logger.warn({ err: error, spaceId }, "reconciliation could not repair a space's reminders");
      }
    }),
  );
  return repairs;
}

/**
 * Expires a request whose deadline passed. settled: someone else settled it meanwhile (its own
 * reminder, replayed here; an approval, 409); unknown: the actor's state holds no such booking (404).
 */
async function expireNow(
  actors: ActorClient,
  address: { actorType: string; actorId: string; shard: number },
  reminder: SpaceReminder,
): Promise<"expired" | "settled" | "unknown"> {
  const { commandId } = reminder.command;
  try {
    const answer = await actors.call<BookingView | null>(address, reminder.command, { commandId });
    return !answer.replayed && answer.value?.status === "expired" ? "expired" : "settled";
  } catch (error) {
    if (error instanceof AppError && error.status === 404) return "unknown";
    if (error instanceof AppError && error.status < 500) return "settled";
    throw error;
  }
}
