// Time-driven map changes that reach no actor, against the real Redis and PostgreSQL: a space whose
// hours close and one whose hours open at the same whole minute are pushed as deltas by the
// gateway's boundary ticker once its clock passes that minute; two gateways' tickers publish once;
// a state published meanwhile (newer) is never overwritten by a recompute of an older one.
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { BoundaryTicker } from "../../gateway/live/boundary-ticker.ts";
import {
  cellKeys,
  createLiveContext,
  ensureCellBuilt,
  publishSpaceChange,
  readCell,
  refreshSpaceState,
  type SpaceLiveState,
} from "../../src/live/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createPool } from "../../src/storage/postgres.ts";
import {
  insertHost,
  insertSpace,
  pointsInCell,
  randomPoint,
  type SpaceRow,
} from "../support/live-fixtures.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig();
const logger = createLogger(config, "test");
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
afterAll(async () => {
  redis.disconnect();
  await pool.end();
});

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

async function setHours(space: SpaceRow, day: number, start: number, end: number) {
  await pool.query("delete from space_availability where space_id = $1", [space.id]);
  await pool.query(
    "insert into space_availability (space_id, day_of_week, start_minute, end_minute) values ($1, $2, $3, $4)",
    [space.id, day, start, end],
  );
}

/**
 * A cell with a space open until the whole minute `at` and one that opens then (hours in UTC),
 * `at` at least 5 s ahead so the cell is built before it.
 */
async function cellAtAScheduleBoundary() {
  const at = Math.ceil((Date.now() + 5000) / MINUTE) * MINUTE;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const atDay = Math.floor(at / DAY) * DAY;
  const host = await insertHost(pool);
  const { cell, points } = pointsInCell(randomPoint(), 2, config.H3_MAP_RESOLUTION);
  const closing = await insertSpace(pool, config, host, points[0]!);
  const opening = await insertSpace(pool, config, host, points[1]!);
  await setHours(closing, new Date(today).getUTCDay(), 0, (at - today) / MINUTE);
  await setHours(opening, new Date(atDay).getUTCDay(), (at - atDay) / MINUTE, (at - atDay) / MINUTE + 60);
  const position = await ensureCellBuilt(live, cell);
  return { at, today, cell, closing, opening, position };
}

async function stored(cell: string, id: string): Promise<SpaceLiveState> {
  return JSON.parse((await redis.hget(cellKeys(cell, live.resolutions).spaces, id))!);
}

function ticker(cells: string[], clock: { now: number }) {
  return new BoundaryTicker({
    live,
    watchedCells: () => cells,
    logger,
    intervalMs: 60_000,
    now: () => clock.now,
  });
}

describe("boundary ticker", () => {
  it("pushes hours closing and opening once the clock passes the boundary, not before", async () => {
    const { at, today, cell, closing, opening, position } = await cellAtAScheduleBoundary();
    expect(await stored(cell, closing.id)).toMatchObject({ state: "available", freeUntil: iso(at) });
    expect(await stored(cell, opening.id)).toMatchObject({ state: "closed", nextFreeAt: iso(at) });

    const clock = { now: at - 1 };
    const gateway = ticker([cell], clock);
    await gateway.tick();
    expect(await readCell(live, cell, position)).toMatchObject({ kind: "deltas", messages: [] });

    clock.now = at + 1;
    await gateway.tick();
    const read = await readCell(live, cell, position);
    if (read.kind !== "deltas") throw new Error("expected deltas");
    const spaces = read.messages.map((m) => JSON.parse(m).space);
    expect(spaces).toHaveLength(2);
    const byId = new Map(spaces.map((s) => [s.id, s]));
    // Closed until the same weekday next week; open for the hour that just began.
    expect(byId.get(closing.id)).toMatchObject({
      state: "closed",
      nextFreeAt: iso(today + 7 * DAY),
    });
    expect(byId.get(opening.id)).toMatchObject({ state: "available", freeUntil: iso(at + 60 * MINUTE) });

    // Nothing more is due: a later tick before the next boundary reads and sends nothing.
    clock.now = at + 30 * MINUTE;
    await gateway.tick();
    expect((await readCell(live, cell, position)).offset).toBe(position.offset + 2);
  });

  it("publishes a boundary once when several gateways watch the cell", async () => {
    const { at, cell, position } = await cellAtAScheduleBoundary();
    const clock = { now: at + 5 };
    await Promise.all([
      ticker([cell], clock).tick(),
      ticker([cell], clock).tick(),
      ticker([cell], clock).tick(),
    ]);
    const read = await readCell(live, cell, position);
    expect(read).toMatchObject({ kind: "deltas", offset: position.offset + 2 });
  });

  it("reads the cells due at one boundary together and refreshes each", async () => {
    const cells = [];
    for (let i = 0; i < 3; i++) cells.push(await cellAtAScheduleBoundary());
    const clock = { now: Math.max(...cells.map((c) => c.at)) + 1 };
    await ticker(
      cells.map((c) => c.cell),
      clock,
    ).tick();
    for (const { cell, position } of cells)
      expect((await readCell(live, cell, position)).offset).toBe(position.offset + 2);
  });

  it("re-reads a cell early when a delta brings a boundary before the one it remembered", async () => {
    const { at, today, cell, closing, position } = await cellAtAScheduleBoundary();
    const clock = { now: at + 1 };
    const gateway = ticker([cell], clock);
    await gateway.tick();
    // Now the earliest boundary is the opened space's closing, an hour on. The host of the closed
    // one adds hours from 10 minutes on: its actor publishes the space closed until then.
    const soon = at + 10 * MINUTE;
    await setHours(closing, new Date(today).getUTCDay(), 0, (at - today) / MINUTE);
    await pool.query(
      "insert into space_availability (space_id, day_of_week, start_minute, end_minute) values ($1, $2, $3, $4)",
      [
        closing.id,
        new Date(Math.floor(soon / DAY) * DAY).getUTCDay(),
        (soon % DAY) / MINUTE,
        (soon % DAY) / MINUTE + 30,
      ],
    );
    const moved = { ...(await stored(cell, closing.id)), nextFreeAt: iso(soon) };
    await publishSpaceChange(live, cell, moved);
    gateway.onDelta(cell, moved);
    clock.now = soon + 1;
    await gateway.tick();
    expect(await stored(cell, closing.id)).toMatchObject({
      state: "available",
      freeUntil: iso(soon + 30 * MINUTE),
    });
    expect((await readCell(live, cell, position)).offset).toBe(position.offset + 4);
  });

  it("reads every cell again after the feed of deltas was interrupted", async () => {
    const { at, cell, opening } = await cellAtAScheduleBoundary();
    const clock = { now: at + 1 };
    const gateway = ticker([cell], clock);
    await gateway.tick();
    // A change this gateway never heard (published while its subscriber reconnected): a boundary
    // a minute on, which the ticker cannot know of.
    const unheard = { ...(await stored(cell, opening.id)), freeUntil: iso(at + MINUTE) };
    await publishSpaceChange(live, cell, unheard);
    clock.now = at + MINUTE + 1;
    await gateway.tick();
    expect(await stored(cell, opening.id)).toEqual(unheard);
    gateway.forgetAll();
    await gateway.tick();
    expect(await stored(cell, opening.id)).toMatchObject({
      state: "available",
      freeUntil: iso(at + 60 * MINUTE),
    });
  });

  it("never overwrites a state published after the one it recomputed from", async () => {
    const { cell, closing } = await cellAtAScheduleBoundary();
    const seen = await redis.hget(cellKeys(cell, live.resolutions).spaces, closing.id);
    const newer: SpaceLiveState = {
      ...(await stored(cell, closing.id)),
      state: "occupied",
      freeUntil: undefined,
    };
    delete newer.freeUntil;
    await publishSpaceChange(live, cell, newer);
    const stale = await refreshSpaceState(live, cell, { ...newer, state: "closed" }, seen!);
    expect(stale.outcome).toBe("unchanged");
    expect(await stored(cell, closing.id)).toEqual(newer);
  });
});
