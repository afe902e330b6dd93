// The space actor's PostgreSQL path against the real database: state loaded from the space's rows,
// decisions committed with their history and outbox rows, compare-and-set on status, re-delivered
// commands replayed, the exclusion constraint's verdict mapped to slot_unavailable, and many
// concurrent commits for one slot leaving exactly one booking holding it.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyAll,
  type CommitResult,
  commitSpaceBatch,
  commitSpaceEvents,
  DEFAULT_SPACE_POLICY,
  decide,
  findBooking,
  findCommandOutcome,
  findSpaceBooking,
  type LedgerCommit,
  loadSpaceState,
  RequestCommitGroup,
  requestBatchOf,
  type SpaceCommand,
  type SpaceState,
  writeRequestBatches,
} from "../../actors/space/index.ts";
import { loadSpaceStates, type SpaceLocation } from "../../actors/space/space-loader.ts";
import { AppError } from "../../src/errors.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const pool = () => t.deps.pool;
let hostId = "";
let driverId = "";
const now = Date.parse("2029-12-01T00:00:00Z");
const at = (iso: string) => Date.parse(iso);

async function newSpace(mode: "instant" | "request", status = "active") {
  const { rows } = await pool().query(
    `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
       h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate, daily_rate,
       buffer_minutes, min_notice_minutes, min_duration_minutes, status)
     values ($1, 'Garage', 'Calle Mayor 1', 'Madrid', '28013', 'ES', 40.4168, -3.7038, '89390cb1b4bffff',
       '84390cbffffffff', 'UTC', 'garage', 'standard', $2, 'EUR', 300, 2000, 0, 0, 30, $3) returning id`,
    [hostId, mode, status],
  );
  const spaceId = rows[0].id as string;
  await pool().query(
    `insert into space_availability (space_id, day_of_week, start_minute, end_minute)
     select $1, d, 0, 1440 from generate_series(0, 6) d`,
    [spaceId],
  );
  await pool().query(
    `insert into space_availability_exceptions (space_id, local_date, kind) values ($1, '2030-01-25', 'closed')`,
    [spaceId],
  );
  return spaceId;
}

async function load(spaceId: string): Promise<SpaceState> {
  const state = await loadSpaceState(pool(), spaceId, now);
  if (state === null) throw new Error("space not found");
  return state;
}

function requestCommand(start: string, end: string, driver = driverId): SpaceCommand {
  const bookingId = randomUUID();
  return {
    type: "requestBooking",
    commandId: `request:${bookingId}`,
    bookingId,
    driverId: driver,
    start: at(start),
    end: at(end),
    vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
    specialRequests: "near the lift",
  };
}

/** Decides a command against `state` and commits it; returns the commit result and the next state. */
async function decideAndCommit(state: SpaceState, command: SpaceCommand, time = now) {
  const decision = decide(state, command, time, DEFAULT_SPACE_POLICY);
  if (!decision.ok) throw new Error(`rejected: ${decision.rejection.code}`);
  const result = await commitSpaceEvents(pool(), {
    spaceId: state.spaceId,
    commandId: command.commandId,
    commandType: command.type,
    events: decision.events,
  });
  return {
    result,
    events: decision.events,
    state: applyAll(state, decision.events),
    bookingId: decision.bookingId!,
  };
}

async function counts(bookingId: string) {
  const { rows } = await pool().query(
    `select (select count(*) from booking_status_history where booking_id = $1)::int as history,
            (select count(*) from outbox where aggregate_type = 'booking' and aggregate_id = $1::text)::int as outbox,
            (select count(*) from booking_commands where booking_id = $1)::int as commands`,
    [bookingId],
  );
  return rows[0] as { history: number; outbox: number; commands: number };
}

beforeAll(async () => {
  hostId = (await t.signUp("host")).userId;
  driverId = (await t.signUp("driver")).userId;
});

describe("loading a space actor's state", () => {
  it("builds settings and rules from the space's rows", async () => {
    const spaceId = await newSpace("request");
    const state = await load(spaceId);
    expect(state).toEqual({
      spaceId,
      settings: {
        hostId,
        bookingMode: "request",
        currency: "EUR",
        rates: { hourly: 300, daily: 2000, monthly: null },
        rules: {
          timeZone: "UTC",
          weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({
            dayOfWeek,
            startMinute: 0,
            endMinute: 1440,
          })),
          exceptions: [{ localDate: "2030-01-25", kind: "closed", startMinute: null, endMinute: null }],
          bufferMinutes: 0,
          minNoticeMinutes: 0,
          minDurationMinutes: 30,
          maxDurationMinutes: null,
        },
        accepting: true,
      },
      settingsVersion: expect.any(String),
      bookings: [],
    });
    const closed = decide(state, requestCommand("2030-01-25T10:00Z", "2030-01-25T11:00Z"), now);
    expect(closed.ok ? "ok" : closed.rejection.code).toBe("outside_schedule");
  });

  it("null for a space that does not exist or was deleted; an inactive one takes no requests", async () => {
    expect(await loadSpaceState(pool(), randomUUID(), now)).toBeNull();
    expect(await loadSpaceState(pool(), await newSpace("instant", "deleted"), now)).toBeNull();
    const inactive = await load(await newSpace("instant", "inactive"));
    expect(inactive.settings.accepting).toBe(false);
  });

  it("holds slot-holding bookings and final ones still ahead, not final ones in the past", async () => {
    const spaceId = await newSpace("instant");
    let state = await load(spaceId);
    const kept = await decideAndCommit(state, requestCommand("2030-01-02T10:00Z", "2030-01-02T12:00Z"));
    state = kept.state;
    const cancelled = await decideAndCommit(state, requestCommand("2030-01-03T10:00Z", "2030-01-03T12:00Z"));
    state = (
      await decideAndCommit(cancelled.state, {
        type: "cancel",
        commandId: randomUUID(),
        bookingId: cancelled.bookingId,
        by: driverId,
      })
    ).state;
    expect(await load(spaceId)).toEqual(state);
    const later = await loadSpaceState(pool(), spaceId, at("2030-01-04T00:00Z"));
    expect(later!.bookings.map((b) => b.id)).toEqual([kept.bookingId]);
  });
});

describe("the shard worker's pool (generic plans)", () => {
  it("loads states with their locations and writes request batches as the default pool does", async () => {
    const generic = createPool(t.config.DATABASE_URL, 2, { genericPlans: true });
    try {
      expect((await generic.query("show plan_cache_mode")).rows[0].plan_cache_mode).toBe(
        "force_generic_plan",
      );
      const spaces = [await newSpace("instant"), await newSpace("request")];
      const located = new Map<string, SpaceLocation>();
      // More calls than the custom plans PostgreSQL would try first, with 1 and 2 ids.
      for (let i = 0; i < 7; i++) {
        const ids = spaces.slice(0, 1 + (i % 2));
        const states = await loadSpaceStates(generic, ids, now, (id, where) => located.set(id, where));
        const expected = await loadSpaceStates(pool(), ids, now);
        expect(states).toEqual(expected);
      }
      expect(located.get(spaces[0]!)).toEqual({
        version: (await load(spaces[0]!)).settingsVersion,
        cell: "89390cb1b4bffff",
        lat: 40.4168,
        lng: -3.7038,
        active: true,
      });
      for (let i = 0; i < 7; i++) {
        const command = requestCommand(`2030-02-0${1 + i}T10:00Z`, `2030-02-0${1 + i}T11:00Z`);
        const decision = decide(await load(spaces[0]!), command, now, DEFAULT_SPACE_POLICY);
        if (!decision.ok) throw new Error(decision.rejection.code);
        const batch = requestBatchOf([
          {
            spaceId: spaces[0]!,
            commandId: command.commandId,
            commandType: command.type,
            events: decision.events,
          },
        ])!;
        expect(await writeRequestBatches(generic, [batch])).toEqual(new Map([[spaces[0]!, 1]]));
      }
      expect((await load(spaces[0]!)).bookings).toHaveLength(7);
    } finally {
      await generic.end();
    }
  });
});

describe("committing decisions", () => {
  it("an instant booking: the row, its history, an outbox event and the command record, in one commit", async () => {
    const spaceId = await newSpace("instant");
    const command = requestCommand("2030-01-05T10:00Z", "2030-01-05T12:00Z");
    const { result, bookingId } = await decideAndCommit(await load(spaceId), command);
    expect(result).toEqual({ outcome: "committed" });
    const { rows } = await pool().query(
      `select status, lower(during) as start, upper(during) as "end", total_amount, platform_fee, host_earnings,
              currency, vehicle, special_requests, command_id, expires_at, driver_id
         from bookings where id = $1`,
      [bookingId],
    );
    expect(rows[0]).toEqual({
      status: "confirmed",
      start: new Date("2030-01-05T10:00Z"),
      end: new Date("2030-01-05T12:00Z"),
      total_amount: 600,
      platform_fee: 60,
      host_earnings: 540,
      currency: "EUR",
      vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
      special_requests: "near the lift",
      command_id: command.commandId,
      expires_at: null,
      driver_id: driverId,
    });
    const history = await pool().query(
      `select from_status, to_status, changed_by from booking_status_history where booking_id = $1`,
      [bookingId],
    );
    expect(history.rows).toEqual([{ from_status: null, to_status: "confirmed", changed_by: driverId }]);
    const outbox = await pool().query(`select event_type, payload from outbox where aggregate_id = $1`, [
      bookingId,
    ]);
    expect(outbox.rows).toHaveLength(1);
    expect(outbox.rows[0].event_type).toBe("booking.requested");
    expect(outbox.rows[0].payload).toMatchObject({
      spaceId,
      commandId: command.commandId,
      type: "bookingRequested",
    });
    expect(await counts(bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
    expect(await findBooking(pool(), bookingId)).toEqual({
      id: bookingId,
      spaceId,
      driverId,
      status: "confirmed",
      start: at("2030-01-05T10:00Z"),
      end: at("2030-01-05T12:00Z"),
      expiresAt: null,
      currency: "EUR",
      totalAmount: 600,
      platformFee: 60,
      hostEarnings: 540,
      vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
      specialRequests: "near the lift",
      commandId: command.commandId,
      version: 1,
    });
  });

  it("a booking of another space is not this actor's to change", async () => {
    const spaceId = await newSpace("request");
    const requested = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-14T10:00Z", "2030-01-14T12:00Z"),
    );
    const otherSpace = { ...requested.state, spaceId: await newSpace("request") };
    const approve: SpaceCommand = {
      type: "approve",
      commandId: randomUUID(),
      bookingId: requested.bookingId,
      by: hostId,
    };
    const result = await decideAndCommit(otherSpace, approve);
    expect(result.result).toMatchObject({ outcome: "rejected", code: "conflict" });
    expect((await findBooking(pool(), requested.bookingId))?.status).toBe("pending_approval");
  });

  it("a re-delivered request replays its first outcome and writes nothing", async () => {
    const spaceId = await newSpace("instant");
    const state = await load(spaceId);
    const command = requestCommand("2030-01-06T10:00Z", "2030-01-06T12:00Z");
    const first = await decideAndCommit(state, command);
    // The worker died before saving its state: the next owner decides the same command again.
    const again = await decideAndCommit(state, command);
    expect(again.result).toMatchObject({
      outcome: "replayed",
      booking: { id: first.bookingId, status: "confirmed", start: at("2030-01-06T10:00Z"), totalAmount: 600 },
    });
    expect(await counts(first.bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
    expect((await findCommandOutcome(pool(), command.commandId))?.id).toBe(first.bookingId);
    expect(await findCommandOutcome(pool(), "never-sent")).toBeNull();
  });

  it("approval is a compare-and-set on the status: a stale decision is a conflict and writes nothing", async () => {
    const spaceId = await newSpace("request");
    const requested = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-07T10:00Z", "2030-01-07T12:00Z"),
    );
    const pending = requested.state;
    expect(findSpaceBooking(pending, requested.bookingId)?.status).toBe("pending_approval");
    const approve: SpaceCommand = {
      type: "approve",
      commandId: randomUUID(),
      bookingId: requested.bookingId,
      by: hostId,
    };
    const approved = await decideAndCommit(pending, approve);
    expect(approved.result).toEqual({ outcome: "committed" });
    const row = await pool().query(`select status, expires_at, version from bookings where id = $1`, [
      requested.bookingId,
    ]);
    expect(row.rows[0]).toEqual({ status: "confirmed", expires_at: null, version: 2 });

    // Another worker with the old state rejects the same request: the row is no longer pending.
    const staleReject: SpaceCommand = {
      type: "reject",
      commandId: randomUUID(),
      bookingId: requested.bookingId,
      by: hostId,
    };
    const stale = await decideAndCommit(pending, staleReject);
    expect(stale.result).toEqual({
      outcome: "rejected",
      code: "conflict",
      message: "the booking is no longer pending_approval",
    });
    expect(await counts(requested.bookingId)).toEqual({ history: 2, outbox: 2, commands: 2 });
    expect(await findCommandOutcome(pool(), staleReject.commandId)).toBeNull();

    // The approval delivered again replays.
    const replay = await decideAndCommit(pending, approve);
    expect(replay.result).toMatchObject({
      outcome: "replayed",
      booking: { status: "confirmed", version: 2 },
    });
    expect(await counts(requested.bookingId)).toEqual({ history: 2, outbox: 2, commands: 2 });
  });

  it("status history and outbox name each step of a booking's life", async () => {
    const spaceId = await newSpace("instant");
    let { state, bookingId } = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-08T10:00Z", "2030-01-08T11:00Z"),
    );
    for (const [type, time] of [
      ["start", at("2030-01-08T10:00Z")],
      ["end", at("2030-01-08T11:00Z")],
    ] as const) {
      const step = await decideAndCommit(state, { type, commandId: `${type}:${bookingId}`, bookingId }, time);
      expect(step.result).toEqual({ outcome: "committed" });
      state = step.state;
    }
    const history = await pool().query(
      `select from_status, to_status, changed_by from booking_status_history where booking_id = $1 order by id`,
      [bookingId],
    );
    expect(history.rows).toEqual([
      { from_status: null, to_status: "confirmed", changed_by: driverId },
      { from_status: "confirmed", to_status: "active", changed_by: null },
      { from_status: "active", to_status: "completed", changed_by: null },
    ]);
    const outbox = await pool().query(`select event_type from outbox where aggregate_id = $1 order by id`, [
      bookingId,
    ]);
    expect(outbox.rows.map((r) => r.event_type)).toEqual([
      "booking.requested",
      "booking.active",
      "booking.completed",
    ]);
  });

  it("an extension moves the end and the amounts, compare-and-set on the old end", async () => {
    const spaceId = await newSpace("instant");
    const made = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-09T10:00Z", "2030-01-09T12:00Z"),
    );
    const extend = (end: string): SpaceCommand => ({
      type: "extend",
      commandId: randomUUID(),
      bookingId: made.bookingId,
      by: driverId,
      end: at(end),
    });
    const longer = await decideAndCommit(made.state, extend("2030-01-09T13:00Z"));
    expect(longer.result).toEqual({ outcome: "committed" });
    const row = await pool().query(
      `select upper(during) as "end", total_amount, platform_fee, host_earnings from bookings where id = $1`,
      [made.bookingId],
    );
    expect(row.rows[0]).toEqual({
      end: new Date("2030-01-09T13:00Z"),
      total_amount: 900,
      platform_fee: 90,
      host_earnings: 810,
    });
    // Decided from the state before the first extension: the end it expects is gone.
    const stale = await decideAndCommit(made.state, extend("2030-01-09T14:00Z"));
    expect(stale.result).toMatchObject({ outcome: "rejected", code: "conflict" });
  });
});

describe("the exclusion constraint as the last line of defence", () => {
  it("an overlap the actor did not know of is slot_unavailable, not an error", async () => {
    const spaceId = await newSpace("instant");
    const state = await load(spaceId);
    // Two workers with the same (stale) state each accept an overlapping request.
    const first = await decideAndCommit(state, requestCommand("2030-01-10T10:00Z", "2030-01-10T12:00Z"));
    const second = await decideAndCommit(state, requestCommand("2030-01-10T11:00Z", "2030-01-10T13:00Z"));
    expect(first.result).toEqual({ outcome: "committed" });
    expect(second.result).toEqual({
      outcome: "rejected",
      code: "slot_unavailable",
      message: "this window is already taken",
    });
    expect((await pool().query(`select 1 from bookings where id = $1`, [second.bookingId])).rowCount).toBe(0);
    expect(await findCommandOutcome(pool(), `request:${second.bookingId}`)).toBeNull();
  });

  it("an extension into a booking the actor did not know of is slot_unavailable", async () => {
    const spaceId = await newSpace("instant");
    const made = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-11T10:00Z", "2030-01-11T12:00Z"),
    );
    await decideAndCommit(made.state, requestCommand("2030-01-11T12:30Z", "2030-01-11T14:00Z"));
    const extend: SpaceCommand = {
      type: "extend",
      commandId: randomUUID(),
      bookingId: made.bookingId,
      by: driverId,
      end: at("2030-01-11T13:00Z"),
    };
    const stale = await decideAndCommit(made.state, extend);
    expect(stale.result).toMatchObject({ outcome: "rejected", code: "slot_unavailable" });
    const row = await pool().query(`select upper(during) as "end" from bookings where id = $1`, [
      made.bookingId,
    ]);
    expect(row.rows[0].end).toEqual(new Date("2030-01-11T12:00Z"));
  });

  it("many concurrent commits of overlapping windows for one space: exactly one holds the slot", async () => {
    const spaceId = await newSpace("request");
    const state = await load(spaceId);
    const commits = Array.from({ length: 60 }, (_, i) => {
      const start = at("2030-01-12T10:00Z") + (i % 6) * 10 * 60_000;
      const command: SpaceCommand = {
        type: "requestBooking",
        commandId: randomUUID(),
        bookingId: randomUUID(),
        driverId,
        start,
        end: start + 2 * 3_600_000,
      };
      return decideAndCommit(state, command);
    });
    const results: CommitResult[] = (await Promise.all(commits)).map((c) => c.result);
    expect(results.filter((r) => r.outcome === "committed")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "rejected" && r.code === "slot_unavailable")).toHaveLength(59);
    const { rows } = await pool().query(
      `select count(*)::int as n from bookings
        where space_id = $1 and status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active')`,
      [spaceId],
    );
    expect(rows[0].n).toBe(1);
    const orphans = await pool().query(
      `select count(*)::int as n from outbox o where o.aggregate_type = 'booking'
          and not exists (select 1 from bookings b where b.id::text = o.aggregate_id)`,
    );
    expect(orphans.rows[0].n).toBe(0);
  });

  it("concurrent deliveries of one command: one booking, the others replay it", async () => {
    const spaceId = await newSpace("instant");
    const state = await load(spaceId);
    const command = requestCommand("2030-01-13T10:00Z", "2030-01-13T12:00Z");
    const results = (
      await Promise.all(Array.from({ length: 10 }, () => decideAndCommit(state, command)))
    ).map((c) => c.result);
    expect(results.filter((r) => r.outcome === "committed")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "replayed")).toHaveLength(9);
    expect(await counts(command.type === "requestBooking" ? command.bookingId : "")).toEqual({
      history: 1,
      outbox: 1,
      commands: 1,
    });
  });
});

describe("committing a batch of decisions (the runtime's flushWrites)", () => {
  /** Decides commands one after another on the state, as the runtime does within a batch. */
  function decideAll(state: SpaceState, commands: SpaceCommand[]) {
    const commits: LedgerCommit[] = [];
    let next = state;
    for (const command of commands) {
      const decision = decide(next, command, now);
      if (!decision.ok) throw new Error(decision.rejection.code);
      commits.push({
        spaceId: state.spaceId,
        commandId: command.commandId,
        commandType: command.type,
        events: decision.events,
      });
      next = applyAll(next, decision.events);
    }
    return { commits, state: next };
  }

  it("writes every decision of the batch in one transaction, and a re-run after a crash is a no-op", async () => {
    const spaceId = await newSpace("request");
    const first = requestCommand("2030-01-15T10:00Z", "2030-01-15T11:00Z");
    const second = requestCommand("2030-01-15T12:00Z", "2030-01-15T13:00Z");
    const { commits } = decideAll(await load(spaceId), [
      first,
      second,
      {
        type: "approve",
        commandId: randomUUID(),
        bookingId: (first as { bookingId: string }).bookingId,
        by: hostId,
      },
    ]);
    await commitSpaceBatch(pool(), commits);
    await commitSpaceBatch(pool(), commits);
    const state = await load(spaceId);
    expect(state.bookings.map((b) => b.status)).toEqual(["confirmed", "pending_approval"]);
    expect(await counts((first as { bookingId: string }).bookingId)).toEqual({
      history: 2,
      outbox: 2,
      commands: 2,
    });
  });

  it("a taken slot in any decision fails the whole batch with a 409 and writes nothing", async () => {
    const spaceId = await newSpace("instant");
    const stale = await load(spaceId);
    await decideAndCommit(stale, requestCommand("2030-01-16T10:00Z", "2030-01-16T12:00Z"));
    const free = requestCommand("2030-01-16T14:00Z", "2030-01-16T15:00Z");
    const taken = requestCommand("2030-01-16T11:00Z", "2030-01-16T13:00Z");
    const { commits } = decideAll(stale, [free, taken]);
    const error = await commitSpaceBatch(pool(), commits).catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "slot_unavailable", status: 409 });
    expect(await findBooking(pool(), (free as { bookingId: string }).bookingId)).toBeNull();
  });

  it("a stale status fails the batch with a 409 conflict", async () => {
    const spaceId = await newSpace("request");
    const requested = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-01-17T10:00Z", "2030-01-17T11:00Z"),
    );
    await decideAndCommit(requested.state, {
      type: "cancel",
      commandId: randomUUID(),
      bookingId: requested.bookingId,
      by: driverId,
    });
    const { commits } = decideAll(requested.state, [
      { type: "approve", commandId: randomUUID(), bookingId: requested.bookingId, by: hostId },
    ]);
    await expect(commitSpaceBatch(pool(), commits)).rejects.toMatchObject({ code: "conflict", status: 409 });
  });

  describe("a batch of one booking request (one statement)", () => {
    const lone = (state: SpaceState, start: string, end: string) => {
      const command = requestCommand(start, end);
      const commits = decideAll(state, [command]).commits.map((c) => ({
        ...c,
        settingsVersion: state.settingsVersion,
      }));
      return { command, commits };
    };
    const bookingOf = (command: SpaceCommand) => (command as { bookingId: string }).bookingId;

    it("writes the row, history, outbox and command record; run again it is a no-op", async () => {
      const spaceId = await newSpace("instant");
      const { command, commits } = lone(await load(spaceId), "2030-01-18T10:00Z", "2030-01-18T12:00Z");
      await commitSpaceBatch(pool(), commits);
      await commitSpaceBatch(pool(), commits);
      expect((await findBooking(pool(), bookingOf(command)))?.status).toBe("confirmed");
      expect(await counts(bookingOf(command))).toEqual({ history: 1, outbox: 1, commands: 1 });
    });

    it("several requests of one space land together, and a batch with a taken slot lands not at all", async () => {
      const spaceId = await newSpace("request");
      const state = await load(spaceId);
      const commands = [
        requestCommand("2030-01-21T08:00Z", "2030-01-21T09:00Z"),
        requestCommand("2030-01-21T10:00Z", "2030-01-21T11:00Z"),
        requestCommand("2030-01-21T12:00Z", "2030-01-21T13:00Z"),
      ];
      const { commits, state: after } = decideAll(state, commands);
      await commitSpaceBatch(pool(), commits);
      await commitSpaceBatch(pool(), commits.slice(1));
      for (const command of commands) {
        expect((await findBooking(pool(), bookingOf(command)))?.status).toBe("pending_approval");
        expect(await counts(bookingOf(command))).toEqual({ history: 1, outbox: 1, commands: 1 });
      }
      const outbox = await pool().query(
        `select payload->>'commandId' as "commandId" from outbox where aggregate_id = $1`,
        [bookingOf(commands[1]!)],
      );
      expect(outbox.rows).toEqual([{ commandId: commands[1]!.commandId }]);

      // Decided on the state before the three: the second of this batch overlaps one of them.
      const free = requestCommand("2030-01-21T15:00Z", "2030-01-21T16:00Z");
      const taken = requestCommand("2030-01-21T10:30Z", "2030-01-21T11:30Z");
      const stale = decideAll(state, [free, taken]);
      await expect(commitSpaceBatch(pool(), stale.commits)).rejects.toMatchObject({
        code: "slot_unavailable",
      });
      expect(await findBooking(pool(), bookingOf(free))).toBeNull();
      expect(after.bookings).toHaveLength(3);
    });

    it("a slot taken in the ledger is a 409 slot_unavailable and writes nothing", async () => {
      const spaceId = await newSpace("instant");
      const stale = await load(spaceId);
      await decideAndCommit(stale, requestCommand("2030-01-19T10:00Z", "2030-01-19T12:00Z"));
      const { command, commits } = lone(stale, "2030-01-19T11:00Z", "2030-01-19T13:00Z");
      await expect(commitSpaceBatch(pool(), commits)).rejects.toMatchObject({
        code: "slot_unavailable",
        status: 409,
      });
      expect(await findBooking(pool(), bookingOf(command))).toBeNull();
    });

    it("a space edited since the decision, or no longer active, is a 409 conflict and writes nothing", async () => {
      const spaceId = await newSpace("instant");
      const before = await load(spaceId);
      await pool().query(`update parking_spaces set hourly_rate = 400, updated_at = now() where id = $1`, [
        spaceId,
      ]);
      const edited = lone(before, "2030-01-20T10:00Z", "2030-01-20T12:00Z");
      await expect(commitSpaceBatch(pool(), edited.commits)).rejects.toMatchObject({ code: "conflict" });
      expect(await findBooking(pool(), bookingOf(edited.command))).toBeNull();

      const current = await load(spaceId);
      await pool().query(`update parking_spaces set status = 'inactive' where id = $1`, [spaceId]);
      const inactive = lone(current, "2030-01-20T14:00Z", "2030-01-20T15:00Z");
      await expect(commitSpaceBatch(pool(), inactive.commits)).rejects.toMatchObject({ code: "conflict" });
      expect(await findBooking(pool(), bookingOf(inactive.command))).toBeNull();
    });

    it("one statement writes several spaces' batches and says per space how many rows landed", async () => {
      const [a, b, edited] = await Promise.all([
        newSpace("instant"),
        newSpace("request"),
        newSpace("instant"),
      ]);
      const first = lone(await load(a), "2030-01-23T10:00Z", "2030-01-23T11:00Z");
      const second = lone(await load(b), "2030-01-23T10:00Z", "2030-01-23T11:00Z");
      const before = await load(edited);
      await pool().query(`update parking_spaces set hourly_rate = 400, updated_at = now() where id = $1`, [
        edited,
      ]);
      const third = lone(before, "2030-01-23T10:00Z", "2030-01-23T11:00Z");
      const written = await writeRequestBatches(
        pool(),
        [first, second, third].map((x) => requestBatchOf(x.commits)!),
      );
      expect(Object.fromEntries(written)).toEqual({ [a]: 1, [b]: 1 });
      expect((await findBooking(pool(), bookingOf(first.command)))?.status).toBe("confirmed");
      expect((await findBooking(pool(), bookingOf(second.command)))?.status).toBe("pending_approval");
      expect(await counts(bookingOf(second.command))).toEqual({ history: 1, outbox: 1, commands: 1 });
      expect(await findBooking(pool(), bookingOf(third.command))).toBeNull();
    });

    it("batches handed to a commit group together each get their own verdict: an overlap or an edit in one space fails that space only", async () => {
      const group = new RequestCommitGroup(pool(), { concurrency: 1 });
      const [a, b, c, d] = await Promise.all([
        newSpace("instant"),
        newSpace("request"),
        newSpace("instant"),
        newSpace("instant"),
      ]);
      const staleC = await load(c);
      await decideAndCommit(staleC, requestCommand("2030-01-22T10:00Z", "2030-01-22T12:00Z"));
      const staleD = await load(d);
      await pool().query(`update parking_spaces set hourly_rate = 400, updated_at = now() where id = $1`, [
        d,
      ]);
      const batches = [
        lone(await load(a), "2030-01-22T10:00Z", "2030-01-22T11:00Z"),
        lone(await load(b), "2030-01-22T10:00Z", "2030-01-22T11:00Z"),
        lone(staleC, "2030-01-22T11:00Z", "2030-01-22T13:00Z"),
        lone(staleD, "2030-01-22T10:00Z", "2030-01-22T11:00Z"),
      ];
      const results = await Promise.allSettled(
        batches.map((x) => commitSpaceBatch(pool(), x.commits, group)),
      );
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected"]);
      expect((results[2] as PromiseRejectedResult).reason).toMatchObject({
        code: "slot_unavailable",
        status: 409,
      });
      expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ code: "conflict", status: 409 });
      expect((await findBooking(pool(), bookingOf(batches[0]!.command)))?.status).toBe("confirmed");
      expect((await findBooking(pool(), bookingOf(batches[1]!.command)))?.status).toBe("pending_approval");
      expect(await counts(bookingOf(batches[0]!.command))).toEqual({ history: 1, outbox: 1, commands: 1 });
      expect(await findBooking(pool(), bookingOf(batches[2]!.command))).toBeNull();
      expect(await findBooking(pool(), bookingOf(batches[3]!.command))).toBeNull();
      // Sent again (a crash after the statement): nothing lands twice.
      await Promise.all(batches.slice(0, 2).map((x) => commitSpaceBatch(pool(), x.commits, group)));
      expect(await counts(bookingOf(batches[1]!.command))).toEqual({ history: 1, outbox: 1, commands: 1 });
    });
  });
});
