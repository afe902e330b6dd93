// The live cell contract against the real Redis and PostgreSQL: rebuild from the ledger, publish
// (offset, history, pub/sub, aggregates), resume within and past the history, Redis losing state.
import { cellToParent } from "h3-js";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  cellKeys,
  createLiveContext,
  ensureCellsBuilt,
  publishSpaceChange,
  readAggregates,
  readCell,
  removeSpaceFromCell,
  type SpaceLiveState,
} from "../../src/live/index.ts";
import { createLogger } from "../../src/logger.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig({ LIVE_HISTORY_LENGTH: "5" });
createLogger(config, "test");
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
afterAll(async () => {
  redis.disconnect();
  await pool.end();
});

async function cellWithSpaces(n: number) {
  const host = await insertHost(pool);
  const { cell, points } = pointsInCell(randomPoint(), n, config.H3_MAP_RESOLUTION);
  const spaces = [];
  for (const point of points) spaces.push(await insertSpace(pool, config, host, point));
  return { cell, spaces };
}

function stateOf(
  space: { id: string; lat: number; lng: number; hourly: number },
  state: SpaceLiveState["state"],
) {
  return { id: space.id, lat: space.lat, lng: space.lng, state, hourly: space.hourly, currency: "EUR" };
}

describe("live cells", () => {
  it("builds a cell from the ledger on first read, then publishes gap-free deltas", async () => {
    const { cell, spaces } = await cellWithSpaces(3);
    const first = await readCell(live, cell);
    expect(first.kind).toBe("snapshot");
    expect(first.offset).toBe(0);
    const snapshot = first.kind === "snapshot" ? first.spaces.map((s) => JSON.parse(s)) : [];
    expect(snapshot.map((s) => s.id).sort()).toEqual(spaces.map((s) => s.id).sort());
    expect(snapshot.every((s) => s.state === "available")).toBe(true);

    const sub = new Redis(config.REDIS_URL);
    const received: string[] = [];
    sub.on("smessage", (_channel: string, message: string) => received.push(message));
    await sub.ssubscribe(cellKeys(cell, live.resolutions).channel);

    const result = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "held"));
    expect(result).toEqual({ epoch: first.epoch, offset: 1, outcome: "published" });
    const again = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "held"));
    expect(again.outcome).toBe("unchanged");
    await publishSpaceChange(live, cell, stateOf(spaces[1]!, "occupied"));

    const since = await readCell(live, cell, { epoch: first.epoch, offset: 0 });
    expect(since.kind).toBe("deltas");
    const messages = since.kind === "deltas" ? since.messages.map((m) => JSON.parse(m)) : [];
    expect(messages.map((m) => [m.offset, m.space.id, m.space.state])).toEqual([
      [1, spaces[0]!.id, "held"],
      [2, spaces[1]!.id, "occupied"],
    ]);
    await expect.poll(() => received.length).toBe(2);
    expect(received).toEqual(since.kind === "deltas" ? since.messages : []);
    sub.disconnect();
  });

  it("answers a resume past the history, from another epoch or from the future with a snapshot", async () => {
    const { cell, spaces } = await cellWithSpaces(1);
    const start = await readCell(live, cell);
    for (const state of [
      "held",
      "occupied",
      "available",
      "closed",
      "held",
      "available",
      "occupied",
    ] as const) {
      await publishSpaceChange(live, cell, stateOf(spaces[0]!, state));
    }
    const tooOld = await readCell(live, cell, { epoch: start.epoch, offset: 0 });
    expect(tooOld.kind).toBe("snapshot");
    expect(tooOld.offset).toBe(7);
    const reachable = await readCell(live, cell, { epoch: start.epoch, offset: 2 });
    expect(reachable.kind === "deltas" && reachable.messages.map((m) => JSON.parse(m).offset)).toEqual([
      3, 4, 5, 6, 7,
    ]);
    expect((await readCell(live, cell, { epoch: "other", offset: 6 })).kind).toBe("snapshot");
    expect((await readCell(live, cell, { epoch: start.epoch, offset: 99 })).kind).toBe("snapshot");
    const upToDate = await readCell(live, cell, { epoch: start.epoch, offset: 7 });
    expect(upToDate).toEqual({ kind: "deltas", epoch: start.epoch, offset: 7, messages: [] });
  });

  it("rebuilds under a new epoch when Redis lost the cell, without counting it twice", async () => {
    const { cell, spaces } = await cellWithSpaces(2);
    const before = await readCell(live, cell);
    const keys = cellKeys(cell, live.resolutions);
    await redis.del(keys.meta, keys.spaces, keys.history, keys.aggregate.counts, keys.aggregate.built);
    const result = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"));
    expect(result.outcome).toBe("rebuilt");
    expect(result.epoch).not.toBe(before.epoch);
    const resumed = await readCell(live, cell, { epoch: before.epoch, offset: before.offset });
    expect(resumed.kind).toBe("snapshot");
    const [counts] = await readAggregates(live, [cellToParent(cell, live.resolutions.aggregate)]);
    expect(counts).toMatchObject({ free: 2, total: 2 });
  });

  it("leaves a cell nobody built to its first reader, unless its aggregate is built", async () => {
    const { cell, spaces } = await cellWithSpaces(2);
    const keys = cellKeys(cell, live.resolutions);
    const missedBefore = Number((await redis.get(keys.missed)) ?? 0);
    const left = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"), { unbuilt: "leave" });
    expect(left).toEqual({ epoch: "", offset: 0, outcome: "unbuilt" });
    expect(await redis.exists(keys.meta, keys.spaces)).toBe(0);
    // A rebuild reading the ledger meanwhile sees the counter moved and reads again.
    expect(Number(await redis.get(keys.missed))).toBe(missedBefore + 1);
    const first = await readCell(live, cell);
    expect(first.kind === "snapshot" && first.spaces.length).toBe(2);

    // Once its aggregate counts it, a lost cell is rebuilt at once, so the counts stay whole.
    const parent = cellToParent(cell, live.resolutions.aggregate);
    expect((await readAggregates(live, [parent]))[0]).toMatchObject({ free: 2, total: 2 });
    await redis.del(keys.meta, keys.spaces, keys.history);
    const rebuilt = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"), {
      unbuilt: "leave",
    });
    expect(rebuilt.outcome).toBe("rebuilt");
    expect(rebuilt.epoch).not.toBe(first.epoch);
    expect(await redis.exists(keys.meta)).toBe(1);
  });

  it("keeps aggregate counts of free and all spaces", async () => {
    const { cell, spaces } = await cellWithSpaces(3);
    const parent = cellToParent(cell, live.resolutions.aggregate);
    expect((await readAggregates(live, [parent]))[0]).toMatchObject({ free: 3, total: 3 });
    await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"));
    await removeSpaceFromCell(live, cell, spaces[1]!.id);
    expect((await readAggregates(live, [parent]))[0]).toMatchObject({ free: 1, total: 2 });
  });

  it("refuses a space published to a cell it does not lie in", async () => {
    const { spaces } = await cellWithSpaces(1);
    const other = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION).cell;
    await expect(publishSpaceChange(live, other, stateOf(spaces[0]!, "held"))).rejects.toThrow(
      /lies in cell/,
    );
  });
});

describe("building many cells at once", () => {
  it("builds every unbuilt cell that holds spaces from one ledger read and leaves built ones alone", async () => {
    const a = await cellWithSpaces(2);
    const b = await cellWithSpaces(3);
    const empty = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION).cell;
    const before = await readCell(live, a.cell);
    await publishSpaceChange(live, a.cell, stateOf(a.spaces[0]!, "held"));
    expect(await ensureCellsBuilt(live, [a.cell, b.cell, empty])).toEqual(new Set([empty]));
    const again = await readCell(live, a.cell);
    expect([again.epoch, again.offset]).toEqual([before.epoch, 1]);
    const built = await readCell(live, b.cell);
    expect(built.kind === "snapshot" && built.spaces.length).toBe(3);
    // A cell without spaces gets no state.
    expect(await redis.exists(cellKeys(empty, live.resolutions).meta)).toBe(0);
  });
});
