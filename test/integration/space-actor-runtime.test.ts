// The space actor on the actor runtime (memory driver, a clock the test moves) against the real
// PostgreSQL: reminders settle bookings as time passes (a request expires and its slot reopens, a
// confirmed stay starts and ends), a state the ledger contradicts is reloaded, and a space that does
// not exist is answered 404 rather than retried.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActorClient, ActorHost, createMemoryDriver } from "../../actors/runtime/index.ts";
import {
  createSpaceActor,
  DEFAULT_SPACE_POLICY,
  SPACE_ACTOR_TYPE,
  type SpaceActorReply,
} from "../../actors/space/index.ts";
import { AppError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { openSpace } from "../support/booking-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let now = Date.now();
const clock = () => now;
const driver = createMemoryDriver({ clock });
const logger = createLogger({ LOG_LEVEL: "silent" }, "space-actor-runtime");
const host = new ActorHost({
  driver,
  workerId: "space-actor-runtime",
  shardCount: 1,
  logger,
  actors: [createSpaceActor({ pool: t.deps.pool, policy: DEFAULT_SPACE_POLICY })],
  // A lease far longer than the time the test moves, so moving the clock never costs the shard.
  settings: { leaseTtlMs: 20 * DAY, tickMs: 100, reminderPollMs: 20 },
  clock,
});
const client = new ActorClient({ driver, logger, clock, timeoutMs: 10_000 });
let driverId = "";

beforeAll(async () => {
  await host.start();
  await client.start();
  driverId = (await t.signUp("driver")).userId;
});
afterAll(async () => {
  await client.close();
  await host.stop();
});

function send(spaceId: string, command: Record<string, unknown>) {
  const commandId = randomUUID();
  return client.send<SpaceActorReply>(
    { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard: 0 },
    { ...command, commandId },
    { commandId },
  );
}

const request = (spaceId: string, start: number, hours: number) =>
  send(spaceId, {
    type: "requestBooking",
    bookingId: randomUUID(),
    driverId,
    start,
    end: start + hours * HOUR,
  });

async function statusOf(bookingId: string): Promise<string> {
  const { rows } = await t.deps.pool.query(`select status from bookings where id = $1`, [bookingId]);
  return rows[0]?.status;
}

async function eventually(bookingId: string, status: string) {
  for (let i = 0; i < 200 && (await statusOf(bookingId)) !== status; i++) await sleep(20);
  expect(await statusOf(bookingId)).toBe(status);
}

const startAt = () => Math.ceil(now / HOUR) * HOUR + 3 * DAY;

describe("space actor on the runtime", () => {
  it("expires a pending request at its deadline and reopens the slot", async () => {
    const { spaceId } = await openSpace(t, { bookingMode: "request" });
    const start = startAt();
    const pending = await request(spaceId, start, 2);
    expect(pending?.status).toBe("pending_approval");
    await expect(request(spaceId, start, 2)).rejects.toMatchObject({ code: "slot_unavailable" });

    now = Date.parse(pending!.expiresAt!) + 1000;
    await eventually(pending!.id, "expired");
    const again = await request(spaceId, start, 2);
    expect(again?.status).toBe("pending_approval");
  });

  it("starts and ends a confirmed stay as its times pass", async () => {
    const { spaceId } = await openSpace(t);
    const start = startAt();
    const booked = await request(spaceId, start, 2);
    expect(booked?.status).toBe("confirmed");
    now = start + 1000;
    await eventually(booked!.id, "active");
    now = start + 2 * HOUR + 1000;
    await eventually(booked!.id, "completed");
    const { rows } = await t.deps.pool.query(
      `select to_status as "to" from booking_status_history where booking_id = $1 order by id`,
      [booked!.id],
    );
    expect(rows.map((r) => r.to)).toEqual(["confirmed", "active", "completed"]);
  });

  it("decides again on the ledger's state when the ledger refused a change it did not expect", async () => {
    const { spaceId } = await openSpace(t);
    const start = startAt();
    const booked = await request(spaceId, start, 2);
    // Someone outside the actor cancels it in the ledger (the actor's state still says confirmed).
    await t.deps.pool.query(`update bookings set status = 'cancelled' where id = $1`, [booked!.id]);
    // The ledger refuses the cancel of a confirmed booking; reloaded, the actor sees it cancelled.
    await expect(
      send(spaceId, { type: "cancel", bookingId: booked!.id, by: driverId }),
    ).rejects.toMatchObject({
      code: "invalid_transition",
      status: 409,
    });
    // The next command runs on the ledger's state: the slot is free.
    const again = await request(spaceId, start, 2);
    expect(again?.status).toBe("confirmed");
  });

  it("answers 404 for a space that does not exist", async () => {
    const error = await request(randomUUID(), startAt(), 2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "not_found", status: 404 });
  });
});
