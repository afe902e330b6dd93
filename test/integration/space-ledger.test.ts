// The space actor's PostgreSQL path against the real database: state loaded from the space's rows,
// decisions committed through the one commit path with their history, outbox rows and command
// records (fingerprint and answer kept byte for byte), compare-and-set on status, a command id
// recorded before named with its record and nothing written, the exclusion constraint's verdict
// mapped to slot_unavailable, data PostgreSQL refuses answered ledger_refused, and many concurrent
// commits for one slot leaving exactly one booking holding it.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyAll,
  BookingList,
  type CommandRecord,
  commitSpaceBatch,
  DEFAULT_SPACE_POLICY,
  decide,
  findBooking,
  findCommandRecords,
  findSpaceBooking,
  type LedgerCommit,
  loadSpaceState,
  RecordedCommands,
  RequestCommitGroup,
  requestBatchOf,
  type SpaceCommand,
  type SpaceState,
  writeRequestBatches,
} from "../../actors/space/index.ts";
import { loadSpaceStates, type SpaceLocation } from "../../actors/space/space-loader.ts";
import { bookingIdFor, commandIdFor } from "../../gateway/http/space-commands.ts";
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

/** A booking request; with `commandId`, its booking id is derived from it as the gateway does. */
function requestCommand(
  start: string,
  end: string,
  options: { commandId?: string; specialRequests?: string } = {},
): SpaceCommand {
  const bookingId = options.commandId === undefined ? randomUUID() : bookingIdFor(options.commandId);
  return {
    type: "requestBooking",
    commandId: options.commandId ?? `request:${bookingId}`,
    bookingId,
    driverId,
    start: at(start),
    end: at(end),
    vehicle: { make: "Seat", model: "Ibiza", color: "red", licensePlate: "1234ABC" },
    specialRequests: options.specialRequests ?? "near the lift",
  };
}

/** The answer kept with a command's record in these tests (the actor keeps its reply's JSON). */
const answerOf = (bookingId: string | null) => JSON.stringify({ id: bookingId });

/** What one decision's commit came to: written, its command id recorded before, or a 409. */
type CommitOutcome =
  | { readonly outcome: "committed" }
  | { readonly outcome: "recorded"; readonly record: CommandRecord }
  | { readonly outcome: "rejected"; readonly code: string; readonly message: string };

/** Commits one decision as a batch of one and reads the verdict; any other error is thrown. */
async function commitOne(commit: LedgerCommit): Promise<CommitOutcome> {
  try {
    await commitSpaceBatch(pool(), [commit]);
    return { outcome: "committed" };
  } catch (error) {
    const record = error instanceof RecordedCommands ? error.records.get(commit.commandId) : undefined;
    if (record !== undefined) return { outcome: "recorded", record };
    if (error instanceof AppError && error.status === 409) {
      return { outcome: "rejected", code: error.code, message: error.message };
    }
    throw error;
  }
}

/** Decides a command against `state`: the commit the actor would stage for it, and the next state. */
function decideCommit(
  state: SpaceState,
  command: SpaceCommand,
  time = now,
  fingerprint: string | null = null,
) {
  const decision = decide(state, command, time, DEFAULT_SPACE_POLICY);
  if (!decision.ok) throw new Error(`rejected: ${decision.rejection.code}`);
  const commit: LedgerCommit = {
    spaceId: state.spaceId,
    commandId: command.commandId,
    commandType: command.type,
    events: decision.events,
    settingsVersion: state.settingsVersion,
    fingerprint,
    answer: answerOf(decision.bookingId),
  };
  return {
    commit,
    events: decision.events,
    state: applyAll(state, decision.events),
    bookingId: decision.bookingId!,
  };
}

/** Decides a command against `state` and commits it; returns the commit's outcome and the next state. */
async function decideAndCommit(
  state: SpaceState,
  command: SpaceCommand,
  time = now,
  fingerprint: string | null = null,
) {
  const decided = decideCommit(state, command, time, fingerprint);
  return { ...decided, result: await commitOne(decided.commit) };
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

/** Waits until `count` sessions running a statement that contains `text` wait for a lock. */
async function waitForLockWaiters(text: string, count: number) {
  for (let tries = 0; tries < 500; tries++) {
    const { rows } = await pool().query(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and position($1 in query) > 0`,
      [text],
    );
    if (rows[0].n >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${count} sessions never waited on "${text}"`);
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
      bookings: BookingList.empty(),
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
    expect(later!.bookings.toArray().map((b) => b.id)).toEqual([kept.bookingId]);
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
        shardCell: "84390cbffffffff",
        lat: 40.4168,
        lng: -3.7038,
        active: true,
        title: expect.any(String),
        spaceType: expect.any(String),
        amenities: expect.any(Array),
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
            fingerprint: null,
            answer: answerOf(decision.bookingId),
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

  it("a re-delivered request is named recorded, with its first record, and writes nothing", async () => {
    const spaceId = await newSpace("instant");
    const state = await load(spaceId);
    const command = requestCommand("2030-01-06T10:00Z", "2030-01-06T12:00Z");
    const first = await decideAndCommit(state, command);
    // The worker died before saving its state: the next owner decides the same command again.
    const again = await decideAndCommit(state, command);
    const record = {
      commandId: command.commandId,
      bookingId: first.bookingId,
      fingerprint: null,
      answer: answerOf(first.bookingId),
    };
    expect(again.result).toEqual({ outcome: "recorded", record });
    expect(await counts(first.bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
    expect(await findBooking(pool(), first.bookingId)).toMatchObject({
      status: "confirmed",
      start: at("2030-01-06T10:00Z"),
      totalAmount: 600,
    });
    expect(await findCommandRecords(pool(), [command.commandId, "never-sent"])).toEqual(
      new Map([[command.commandId, record]]),
    );
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
    expect((await findCommandRecords(pool(), [staleReject.commandId])).size).toBe(0);

    // The approval delivered again is named recorded, with its record.
    const replay = await decideAndCommit(pending, approve);
    expect(replay.result).toEqual({
      outcome: "recorded",
      record: {
        commandId: approve.commandId,
        bookingId: requested.bookingId,
        fingerprint: null,
        answer: answerOf(requested.bookingId),
      },
    });
    expect(await findBooking(pool(), requested.bookingId)).toMatchObject({ status: "confirmed", version: 2 });
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

describe("a command's record: the request's fingerprint and the answer it got", () => {
  /** An answer no JSON normalizer would leave as it is: spacing, key order, escapes, non-ASCII. */
  const oddAnswer = (bookingId: string, type: string) =>
    `{ "type" : "${type}", "note": "plaza \\"Mayor\\" — ñ 🚗\\n",\t"id":"${bookingId}" ,"n": 1.50 }`;

  it("kept byte for byte: a request in one statement (alone or through a commit group), approve, extend and cancel in the transaction", async () => {
    const spaceId = await newSpace("request");
    const group = new RequestCommitGroup(pool(), { concurrency: 1 });
    let state = await load(spaceId);
    const expected = new Map<string, CommandRecord>();
    const commit = async (command: SpaceCommand, fingerprint: string | null, writer?: RequestCommitGroup) => {
      const decided = decideCommit(state, command, now, fingerprint);
      const answer = oddAnswer(decided.bookingId, command.type);
      const commits = [{ ...decided.commit, answer }];
      // A lone request goes the one-statement way; anything else the transaction.
      expect(requestBatchOf(commits) !== undefined).toBe(command.type === "requestBooking");
      await commitSpaceBatch(pool(), commits, writer);
      state = decided.state;
      expected.set(command.commandId, {
        commandId: command.commandId,
        bookingId: decided.bookingId,
        fingerprint,
        answer,
      });
      return decided.bookingId;
    };
    const bookingId = await commit(requestCommand("2030-03-02T10:00Z", "2030-03-02T11:00Z"), "fp-request");
    await commit(requestCommand("2030-03-02T12:00Z", "2030-03-02T13:00Z"), "fp-grouped", group);
    await commit({ type: "approve", commandId: randomUUID(), bookingId, by: hostId }, "fp-approve");
    await commit(
      { type: "extend", commandId: randomUUID(), bookingId, by: driverId, end: at("2030-03-02T11:30Z") },
      "fp-extend",
    );
    await commit({ type: "cancel", commandId: randomUUID(), bookingId, by: driverId }, null);
    expect(await findCommandRecords(pool(), [...expected.keys()])).toEqual(expected);
    const { rows } = await pool().query(
      `select command_id, octet_length(answer) as bytes from booking_commands where command_id = any($1::text[])`,
      [[...expected.keys()]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.command_id, r.bytes]))).toEqual(
      Object.fromEntries([...expected].map(([id, r]) => [id, Buffer.byteLength(r.answer!)])),
    );
  });

  it("a request on another space under a recorded command id writes nothing and is named recorded, with the first fingerprint", async () => {
    const [a, b] = await Promise.all([newSpace("instant"), newSpace("instant")]);
    // The gateway's ids for one Idempotency-Key: the same command id, and the booking id derived from it.
    const commandId = commandIdFor(driverId, `key-${randomUUID()}`);
    const first = await decideAndCommit(
      await load(a),
      requestCommand("2030-03-03T10:00Z", "2030-03-03T11:00Z", { commandId }),
      now,
      "fp-on-a",
    );
    expect(first.result).toEqual({ outcome: "committed" });
    const record = {
      commandId,
      bookingId: first.bookingId,
      fingerprint: "fp-on-a",
      answer: first.commit.answer,
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const onB = await decideAndCommit(
        await load(b),
        requestCommand("2030-03-04T10:00Z", "2030-03-04T11:00Z", { commandId }),
        now,
        "fp-on-b",
      );
      expect(onB.bookingId).toBe(first.bookingId);
      expect(onB.result).toEqual({ outcome: "recorded", record });
    }
    expect(await findBooking(pool(), first.bookingId)).toMatchObject({
      spaceId: a,
      start: at("2030-03-03T10:00Z"),
      version: 1,
    });
    expect((await load(b)).bookings.toArray()).toEqual([]);
    expect(await counts(first.bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
  });

  it("the same key sent to two spaces at once: one booking, the other named recorded with its record", async () => {
    const [a, b] = await Promise.all([newSpace("instant"), newSpace("instant")]);
    const [stateA, stateB] = [await load(a), await load(b)];
    const commandId = commandIdFor(driverId, `key-${randomUUID()}`);
    const request = requestCommand("2030-03-07T10:00Z", "2030-03-07T11:00Z", { commandId });
    const [onA, onB] = await Promise.all([
      decideAndCommit(stateA, request, now, "fp-on-a"),
      decideAndCommit(stateB, request, now, "fp-on-b"),
    ]);
    const won =
      onA.result.outcome === "committed"
        ? { space: a, fingerprint: "fp-on-a" }
        : { space: b, fingerprint: "fp-on-b" };
    const lost = won.space === a ? onB : onA;
    expect([onA.result.outcome, onB.result.outcome].sort()).toEqual(["committed", "recorded"]);
    expect(lost.result).toEqual({
      outcome: "recorded",
      record: {
        commandId,
        bookingId: bookingIdFor(commandId),
        fingerprint: won.fingerprint,
        answer: answerOf(bookingIdFor(commandId)),
      },
    });
    const { rows } = await pool().query(`select space_id from bookings where command_id = $1`, [commandId]);
    expect(rows).toEqual([{ space_id: won.space }]);
    expect(await counts(bookingIdFor(commandId))).toEqual({ history: 1, outbox: 1, commands: 1 });
  });

  it("an extension under an approval's command id writes nothing and is named recorded, on every retry", async () => {
    const spaceId = await newSpace("request");
    const requested = await decideAndCommit(
      await load(spaceId),
      requestCommand("2030-03-05T10:00Z", "2030-03-05T11:00Z"),
    );
    const commandId = `http:${randomUUID()}`;
    const approved = await decideAndCommit(
      requested.state,
      { type: "approve", commandId, bookingId: requested.bookingId, by: hostId },
      now,
      "fp-approve",
    );
    expect(approved.result).toEqual({ outcome: "committed" });
    const extend: SpaceCommand = {
      type: "extend",
      commandId,
      bookingId: requested.bookingId,
      by: driverId,
      end: at("2030-03-05T12:00Z"),
    };
    const record = {
      commandId,
      bookingId: requested.bookingId,
      fingerprint: "fp-approve",
      answer: approved.commit.answer,
    };
    for (let attempt = 0; attempt < 2; attempt++) {
      const reused = await decideAndCommit(approved.state, extend, now, "fp-extend");
      expect(reused.result).toEqual({ outcome: "recorded", record });
    }
    expect(await findBooking(pool(), requested.bookingId)).toMatchObject({
      status: "confirmed",
      end: at("2030-03-05T11:00Z"),
      version: 2,
    });
    expect(await counts(requested.bookingId)).toEqual({ history: 2, outbox: 2, commands: 2 });
  });

  it("a command id recorded by another commit while this one's transaction runs is named recorded, nothing written", async () => {
    const [a, b] = await Promise.all([newSpace("request"), newSpace("request")]);
    const onA = await decideAndCommit(
      await load(a),
      requestCommand("2030-03-06T10:00Z", "2030-03-06T11:00Z"),
    );
    const onB = await decideAndCommit(
      await load(b),
      requestCommand("2030-03-06T10:00Z", "2030-03-06T11:00Z"),
    );
    const commandId = `http:${randomUUID()}`;
    const approve = (made: typeof onA, fingerprint: string) =>
      decideCommit(
        made.state,
        { type: "approve", commandId, bookingId: made.bookingId, by: hostId },
        now,
        fingerprint,
      ).commit;
    // Both bookings held by a third transaction: both commits find no record, then wait inside theirs.
    const holder = await pool().connect();
    let results: PromiseSettledResult<void>[];
    try {
      await holder.query("begin");
      await holder.query(`select 1 from bookings where id = any($1::uuid[]) for update`, [
        [onA.bookingId, onB.bookingId],
      ]);
      const racing = Promise.allSettled([
        commitSpaceBatch(pool(), [approve(onA, "fp-a")]),
        commitSpaceBatch(pool(), [approve(onB, "fp-b")]),
      ]);
      await waitForLockWaiters("update bookings set status", 2);
      await holder.query("commit");
      results = await racing;
    } finally {
      await holder.query("rollback").catch(() => {});
      holder.release();
    }
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const [won, lost] = results[0]!.status === "fulfilled" ? [onA, onB] : [onB, onA];
    const reason = results.find((r) => r.status === "rejected")?.reason;
    expect(reason).toBeInstanceOf(RecordedCommands);
    expect((reason as RecordedCommands).records).toEqual(
      new Map([
        [
          commandId,
          {
            commandId,
            bookingId: won.bookingId,
            fingerprint: won === onA ? "fp-a" : "fp-b",
            answer: answerOf(won.bookingId),
          },
        ],
      ]),
    );
    expect((await findBooking(pool(), won.bookingId))?.status).toBe("confirmed");
    expect((await findBooking(pool(), lost.bookingId))?.status).toBe("pending_approval");
    expect(await counts(lost.bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
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
    expect((await findCommandRecords(pool(), [`request:${second.bookingId}`])).size).toBe(0);
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
    const results: CommitOutcome[] = (await Promise.all(commits)).map((c) => c.result);
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

  it("concurrent deliveries of one command: one booking, the others are named recorded", async () => {
    const spaceId = await newSpace("instant");
    const state = await load(spaceId);
    const command = requestCommand("2030-01-13T10:00Z", "2030-01-13T12:00Z");
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => decideAndCommit(state, command)));
    const results = deliveries.map((c) => c.result);
    expect(results.filter((r) => r.outcome === "committed")).toHaveLength(1);
    const { bookingId } = deliveries[0]!;
    const record = {
      commandId: command.commandId,
      bookingId,
      fingerprint: null,
      answer: answerOf(bookingId),
    };
    expect(results.filter((r) => r.outcome !== "committed")).toEqual(
      Array.from({ length: 9 }, () => ({ outcome: "recorded", record })),
    );
    const { rows } = await pool().query(`select id from bookings where space_id = $1`, [spaceId]);
    expect(rows).toEqual([{ id: bookingId }]);
    expect(await counts(bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
  });
});

describe("data PostgreSQL refuses", () => {
  it("is a 422 ledger_refused and writes nothing, in one statement and in a transaction", async () => {
    const refused = `refused ${randomUUID()}`;
    await pool().query(
      `alter table bookings add constraint space_ledger_test_refused
         check (special_requests is distinct from '${refused}')`,
    );
    try {
      const spaceId = await newSpace("instant");
      const made = await decideAndCommit(
        await load(spaceId),
        requestCommand("2030-03-08T10:00Z", "2030-03-08T11:00Z"),
      );
      const request = decideCommit(
        made.state,
        requestCommand("2030-03-08T12:00Z", "2030-03-08T13:00Z", { specialRequests: refused }),
      );
      // With a cancellation in the batch, the request is written in the transaction.
      const cancel = decideCommit(request.state, {
        type: "cancel",
        commandId: randomUUID(),
        bookingId: made.bookingId,
        by: driverId,
      });
      for (const commits of [[request.commit], [cancel.commit, request.commit]]) {
        const error = await commitSpaceBatch(pool(), commits).catch((e) => e);
        expect(error).toBeInstanceOf(AppError);
        expect(error).toMatchObject({ code: "ledger_refused", status: 422, details: { sqlState: "23514" } });
      }
      expect(await findBooking(pool(), request.bookingId)).toBeNull();
      expect(await counts(request.bookingId)).toEqual({ history: 0, outbox: 0, commands: 0 });
      expect((await findBooking(pool(), made.bookingId))?.status).toBe("confirmed");
      expect(await counts(made.bookingId)).toEqual({ history: 1, outbox: 1, commands: 1 });
      expect(
        (await findCommandRecords(pool(), [request.commit.commandId, cancel.commit.commandId])).size,
      ).toBe(0);
    } finally {
      await pool().query(`alter table bookings drop constraint if exists space_ledger_test_refused`);
    }
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
        fingerprint: null,
        answer: answerOf(decision.bookingId),
      });
      next = applyAll(next, decision.events);
    }
    return { commits, state: next };
  }

  it("writes every decision of the batch in one transaction; run again after a crash it writes nothing and names each command recorded", async () => {
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
    const again = await commitSpaceBatch(pool(), commits).catch((e) => e);
    expect(again).toBeInstanceOf(RecordedCommands);
    const [firstId, secondId] = [first, second].map((c) => (c as { bookingId: string }).bookingId);
    expect((again as RecordedCommands).records).toEqual(
      new Map(
        commits.map((c) => [
          c.commandId,
          {
            commandId: c.commandId,
            bookingId: c.commandId === second.commandId ? secondId : firstId,
            fingerprint: null,
            answer: c.answer,
          },
        ]),
      ),
    );
    const state = await load(spaceId);
    expect(state.bookings.toArray().map((b) => b.status)).toEqual(["confirmed", "pending_approval"]);
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

    it("writes the row, history, outbox and command record; run again it writes nothing and names the command recorded", async () => {
      const spaceId = await newSpace("instant");
      const { command, commits } = lone(await load(spaceId), "2030-01-18T10:00Z", "2030-01-18T12:00Z");
      await commitSpaceBatch(pool(), commits);
      const again = await commitSpaceBatch(pool(), commits).catch((e) => e);
      expect(again).toBeInstanceOf(RecordedCommands);
      expect((again as RecordedCommands).records).toEqual(
        new Map([
          [
            command.commandId,
            {
              commandId: command.commandId,
              bookingId: bookingOf(command),
              fingerprint: null,
              answer: answerOf(bookingOf(command)),
            },
          ],
        ]),
      );
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
      const again = await commitSpaceBatch(pool(), commits.slice(1)).catch((e) => e);
      expect(again).toBeInstanceOf(RecordedCommands);
      expect([...(again as RecordedCommands).records.keys()].sort()).toEqual(
        commands
          .slice(1)
          .map((c) => c.commandId)
          .sort(),
      );
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
      // Sent again (a crash after the statement): nothing lands twice, each command is named recorded.
      const again = await Promise.allSettled(
        batches.slice(0, 2).map((x) => commitSpaceBatch(pool(), x.commits, group)),
      );
      for (const [i, result] of again.entries()) {
        const reason = result.status === "rejected" ? result.reason : undefined;
        expect(reason).toBeInstanceOf(RecordedCommands);
        expect([...(reason as RecordedCommands).records.keys()]).toEqual([batches[i]!.command.commandId]);
      }
      expect(await counts(bookingOf(batches[1]!.command))).toEqual({ history: 1, outbox: 1, commands: 1 });
    });
  });
});
