// One command through the space actor against the real PostgreSQL: the answer, the state to keep
// and the reminders to set, including the paths where the state in hand was stale (a worker took
// over with old state, a command was delivered again) and had to be rebuilt from the ledger.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_SPACE_POLICY,
  findSpaceBooking,
  handleSpaceCommand,
  loadSpaceState,
  type SpaceCommand,
  type SpaceState,
} from "../../actors/space/index.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
let hostId = "";
let driverId = "";
const now = Date.parse("2029-12-01T00:00:00Z");
const deps = () => ({ pool: t.deps.pool, policy: DEFAULT_SPACE_POLICY, now: () => now });

async function newSpace(mode: "instant" | "request"): Promise<SpaceState> {
  const { rows } = await t.deps.pool.query(
    `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
       h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate)
     values ($1, 'Garage', 'Calle Mayor 1', 'Madrid', '28013', 'ES', 40.4168, -3.7038, '89390cb1b4bffff',
       '84390cbffffffff', 'UTC', 'garage', 'standard', $2, 'EUR', 300) returning id`,
    [hostId, mode],
  );
  await t.deps.pool.query(
    `insert into space_availability (space_id, day_of_week, start_minute, end_minute)
     select $1, d, 0, 1440 from generate_series(0, 6) d`,
    [rows[0].id],
  );
  return (await loadSpaceState(t.deps.pool, rows[0].id, now))!;
}

function request(start: string, end: string): Extract<SpaceCommand, { type: "requestBooking" }> {
  const bookingId = randomUUID();
  return {
    type: "requestBooking",
    commandId: `request:${bookingId}`,
    bookingId,
    driverId,
    start: Date.parse(start),
    end: Date.parse(end),
  };
}

beforeAll(async () => {
  hostId = (await t.signUp("host")).userId;
  driverId = (await t.signUp("driver")).userId;
});

describe("handleSpaceCommand", () => {
  it("commits before answering, and names the reminders to set", async () => {
    const space = await newSpace("instant");
    const command = request("2030-02-01T10:00Z", "2030-02-01T12:00Z");
    const outcome = await handleSpaceCommand(deps(), space, command);
    expect(outcome.reply).toEqual({
      ok: true,
      replayed: false,
      booking: {
        id: command.bookingId,
        spaceId: space.spaceId,
        status: "confirmed",
        start: "2030-02-01T10:00:00.000Z",
        end: "2030-02-01T12:00:00.000Z",
        totalAmount: 600,
        platformFee: 60,
        hostEarnings: 540,
        currency: "EUR",
      },
    });
    expect(outcome.events.map((e) => e.type)).toEqual(["bookingRequested"]);
    expect(outcome.rebuilt).toBe(false);
    expect(outcome.reminders.set.map((r) => r.key)).toEqual([
      `start:${command.bookingId}`,
      `end:${command.bookingId}`,
    ]);
    const row = await t.deps.pool.query(`select status from bookings where id = $1`, [command.bookingId]);
    expect(row.rows[0].status).toBe("confirmed");
  });

  it("rejections carry their code and HTTP status and write nothing", async () => {
    const space = await newSpace("instant");
    const tooShort = await handleSpaceCommand(
      deps(),
      space,
      request("2030-02-02T10:00Z", "2030-02-02T10:10Z"),
    );
    expect(tooShort.reply).toMatchObject({ ok: false, status: 422, error: { code: "too_short" } });
    const missing = await handleSpaceCommand(deps(), space, {
      type: "approve",
      commandId: randomUUID(),
      bookingId: randomUUID(),
      by: hostId,
    });
    expect(missing.reply).toMatchObject({ ok: false, status: 404, error: { code: "not_found" } });
    const { rows } = await t.deps.pool.query(`select count(*)::int as n from bookings where space_id = $1`, [
      space.spaceId,
    ]);
    expect(rows[0].n).toBe(0);
  });

  it("a worker with stale state learns the slot is taken from the ledger, then knows it", async () => {
    const stale = await newSpace("instant");
    const first = await handleSpaceCommand(deps(), stale, request("2030-02-03T10:00Z", "2030-02-03T12:00Z"));
    expect(first.reply.ok).toBe(true);
    const second = await handleSpaceCommand(deps(), stale, request("2030-02-03T11:00Z", "2030-02-03T13:00Z"));
    expect(second.reply).toMatchObject({ ok: false, status: 409, error: { code: "slot_unavailable" } });
    expect(second.rebuilt).toBe(true);
    expect(second.state).toEqual(first.state);
    expect(second.reminders.set.map((r) => r.key).sort()).toEqual(
      first.reminders.set.map((r) => r.key).sort(),
    );
  });

  it("a request delivered again after its commit, to a worker without the new state, replays", async () => {
    const space = await newSpace("instant");
    const command = request("2030-02-04T10:00Z", "2030-02-04T12:00Z");
    const first = await handleSpaceCommand(deps(), space, command);
    const again = await handleSpaceCommand(deps(), space, command);
    expect(again.reply).toEqual({ ...first.reply, replayed: true });
    expect(again.state).toEqual(first.state);
    // And to the worker that has it: answered from its state, no database round trip needed.
    const fromState = await handleSpaceCommand(deps(), first.state, command);
    expect(fromState.reply).toEqual({ ...first.reply, replayed: true });
    expect(fromState.rebuilt).toBe(false);
  });

  it("an approval delivered again after the state moved on replays its first answer", async () => {
    const space = await newSpace("request");
    const requested = await handleSpaceCommand(
      deps(),
      space,
      request("2030-02-05T10:00Z", "2030-02-05T12:00Z"),
    );
    const bookingId = requested.reply.ok ? requested.reply.booking!.id : "";
    const approve: SpaceCommand = { type: "approve", commandId: randomUUID(), bookingId, by: hostId };
    const approved = await handleSpaceCommand(deps(), requested.state, approve);
    expect(approved.reply).toMatchObject({ ok: true, replayed: false, booking: { status: "confirmed" } });
    expect(approved.reminders.cancel).toEqual([`expire:${bookingId}`]);
    const again = await handleSpaceCommand(deps(), approved.state, approve);
    expect(again.reply).toMatchObject({ ok: true, replayed: true, booking: { status: "confirmed" } });
    // A different approval of the same booking is a real invalid transition.
    const other = await handleSpaceCommand(deps(), approved.state, { ...approve, commandId: randomUUID() });
    expect(other.reply).toMatchObject({ ok: false, status: 409, error: { code: "invalid_transition" } });
  });

  it("a stale pending request that was cancelled elsewhere: the approval is refused after a rebuild", async () => {
    const space = await newSpace("request");
    const requested = await handleSpaceCommand(
      deps(),
      space,
      request("2030-02-06T10:00Z", "2030-02-06T12:00Z"),
    );
    const bookingId = requested.reply.ok ? requested.reply.booking!.id : "";
    await handleSpaceCommand(deps(), requested.state, {
      type: "cancel",
      commandId: randomUUID(),
      bookingId,
      by: driverId,
    });
    const approve = await handleSpaceCommand(deps(), requested.state, {
      type: "approve",
      commandId: randomUUID(),
      bookingId,
      by: hostId,
    });
    expect(approve.reply).toMatchObject({ ok: false, status: 409, error: { code: "invalid_transition" } });
    expect(approve.rebuilt).toBe(true);
    expect(findSpaceBooking(approve.state, bookingId)?.status).toBe("cancelled");
    expect(approve.reminders).toEqual({ set: [], cancel: [`expire:${bookingId}`] });
  });
});
