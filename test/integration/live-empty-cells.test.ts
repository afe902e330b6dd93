import { cellToParent, latLngToCell } from "h3-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import {
  createLiveContext,
  ensureCellsBuilt,
  publishSpaceChange,
  readAggregates,
  readCell,
} from "../../src/live/index.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { listenLiveGateway, type TestLiveGateway } from "../support/live-gateway-server.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig({ LIVE_ALLOWED_ORIGINS: "*" });
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
const tokens = new AccessTokens(config.JWT_SECRET, 600);

let url = "";
let gateway: TestLiveGateway;
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  gateway = await listenLiveGateway({ config, pool, redis, accessTokens: tokens });
  url = gateway.url;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gateway.close();
  redis.disconnect();
  await pool.end();
});

/** `n` distinct map cells at random points, with no space in them. */
function emptyCells(n: number): string[] {
  const cells = new Set<string>();
  while (cells.size < n) {
    const p = randomPoint();
    cells.add(
      latLngToCell(p.lat + Math.random() / 100, p.lng + Math.random() / 100, config.H3_MAP_RESOLUTION),
    );
  }
  return [...cells];
}

/** Every live-state key (any cell, any aggregate) that names one of `cells`. */
async function liveKeysNaming(cells: readonly string[]): Promise<string[]> {
  const wanted = new Set(cells);
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", "{live:*", "COUNT", 10_000);
    cursor = next;
    for (const key of keys) {
      const cell = /^\{live:[0-9a-f]+\}:(?:cell|agg):([0-9a-f]+):/.exec(key)?.[1];
      if (cell !== undefined && wanted.has(cell)) found.push(key);
    }
  } while (cursor !== "0");
  return found;
}

describe("live state of cells without spaces", () => {
  it("reads an empty cell and empty aggregates without writing a key", async () => {
    const cells = emptyCells(50);
    const aggregates = [...new Set(cells.map((c) => cellToParent(c, config.LIVE_AGGREGATE_RESOLUTION)))];
    const empty = await ensureCellsBuilt(live, cells);
    const read = await readCell(live, cells[0]!);
    const again = await readCell(live, cells[0]!, { epoch: "empty", offset: 0 });
    const counts = await readAggregates(live, aggregates);
    expect(await liveKeysNaming([...cells, ...aggregates])).toEqual([]);
    expect(empty).toEqual(new Set(cells));
    expect(read).toEqual({ kind: "snapshot", epoch: "empty", offset: 0, spaces: [] });
    expect(again).toEqual({ kind: "deltas", epoch: "empty", offset: 0, messages: [] });
    expect(counts.every((c) => c.free === 0 && c.total === 0 && c.version === 0)).toBe(true);
  });
});

describe.each<TransportName>(["ws", "socket.io"])("empty cells over %s", (transport) => {
  async function connect() {
    const client = await connectLive(transport, url);
    clients.push(client);
    return client;
  }

  it("answers subscriptions to many empty cells and aggregates with no Redis key written", async () => {
    const client = await connect();
    const cells = emptyCells(config.LIVE_MAX_CELLS_PER_SUBSCRIPTION);
    const aggregates = [
      ...new Set(cells.slice(0, 100).map((c) => cellToParent(c, config.LIVE_AGGREGATE_RESOLUTION))),
    ];
    client.send({ type: "subscribe", ref: "map", cells });
    client.send({ type: "subscribe", ref: "agg", cells: aggregates });
    await client.next((m) => m.type === "subscribed" && m.ref === "map");
    const wanted = new Set(cells);
    const snapshots = [];
    for (let i = 0; i < cells.length; i++) {
      snapshots.push(await client.next((m) => m.type === "snapshot" && wanted.has(m.cell), 15_000));
    }
    const counts = [];
    for (const cell of aggregates) {
      counts.push(await client.next((m) => m.type === "aggregate" && m.cell === cell, 15_000));
    }
    client.send({ type: "unsubscribe", ref: "off" });
    await client.next((m) => m.type === "unsubscribed" && m.ref === "off");
    expect(await liveKeysNaming([...cells, ...aggregates])).toEqual([]);
    for (const snapshot of snapshots)
      expect(snapshot).toMatchObject({ epoch: "empty", offset: 0, spaces: [] });
    for (const count of counts) expect(count).toMatchObject({ free: 0, total: 0, version: 0 });
  });

  it("shows a space appearing in a watched empty cell: a fresh snapshot and fresh counts", async () => {
    const hostId = await insertHost(pool);
    const { cell, points } = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION);
    const aggregate = cellToParent(cell, config.LIVE_AGGREGATE_RESOLUTION);
    const [fresh, resumed] = [await connect(), await connect()];
    fresh.send({ type: "subscribe", ref: 1, cells: [cell, aggregate] });
    expect(await fresh.next((m) => m.type === "snapshot" && m.cell === cell)).toMatchObject({
      epoch: "empty",
      spaces: [],
    });
    expect(await fresh.next((m) => m.type === "aggregate" && m.cell === aggregate)).toMatchObject({
      total: 0,
    });
    // A client back from a reconnect at the empty position gets nothing while the cell stays empty.
    resumed.send({ type: "resume", ref: 2, cells: { [cell]: { epoch: "empty", offset: 0 } } });
    await resumed.next((m) => m.type === "subscribed" && m.ref === 2);

    // The listing's first publish, as its space actor makes it (the cell is left to its readers).
    const space = await insertSpace(pool, config, hostId, points[0]!);
    const published = await publishSpaceChange(
      live,
      cell,
      { id: space.id, lat: space.lat, lng: space.lng, state: "available", hourly: 250, currency: "EUR" },
      { unbuilt: "leave" },
    );
    // Left unbuilt, or already built by the resumed watcher's read if that came after the insert.
    expect(["unbuilt", "published"]).toContain(published.outcome);
    for (const client of [fresh, resumed]) {
      const snapshot = await client.next(
        (m) => m.type === "snapshot" && m.cell === cell && m.epoch !== "empty",
      );
      expect(snapshot.spaces.map((s: { id: string }) => s.id)).toEqual([space.id]);
    }
    expect(resumed.messages.filter((m) => m.type === "snapshot")).toHaveLength(1);
    expect(await fresh.next((m) => m.type === "aggregate" && m.cell === aggregate)).toMatchObject({
      free: 1,
      total: 1,
    });
  });
});
