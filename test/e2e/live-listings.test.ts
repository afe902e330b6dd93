// Listing changes on the live map, over raw `ws` and over socket.io, against two spawned gateways and
// a shard worker running the space actor: a host creates a space in a watched cell, changes its
// price, then its title, type, booking mode and amenities, closes it for today, deactivates and
// relists it, moves it to the next cell and deletes it, all through REST; every watcher gets the
// delta each change makes within a second of its answer, offsets one by one (and the aggregate
// cell's new counts), and a fresh snapshot afterwards agrees with what the deltas built.
import { randomUUID } from "node:crypto";
import { cellToLatLng, cellToParent, gridDisk } from "h3-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { validSpaceBody } from "../support/space-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testConfig } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

/** What the issue asks: each change reaches its watchers within a second. */
const WITHIN_MS = 1000;
const SHARDS = 4;
const actorEnv = { ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: String(SHARDS) };
const config = testConfig(actorEnv);
const pool = createPool(config.DATABASE_URL, 2);
const tokens = new AccessTokens(config.JWT_SECRET, 600);
let gateways: GatewayProcess[] = [];
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  const [started, worker] = await Promise.all([
    startGateways(2, actorEnv),
    spawnWorker(
      "listings-worker-1",
      { ...actorEnv, LOG_LEVEL: "warn", NODE_ENV: "test" },
      SHARD_WORKER_ENTRY,
    ),
  ]);
  gateways = started;
  await waitFor(
    () => worker.health(),
    (snapshot) => snapshot.ownedShards.length === SHARDS,
    30_000,
    "every shard owned by the worker",
  );
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(gateways.map((g) => g.process.stop("SIGTERM", 5000)));
  await pool.end();
});

/** A REST call as `token` on a gateway; resolves with the status, the body and when the answer came. */
async function rest(gateway: GatewayProcess, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${gateway.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "idempotency-key": randomUUID(),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, at: Date.now() };
}

/** The map a client builds from a cell's snapshot and deltas, checking each offset follows the last. */
class CellView {
  epoch = "";
  offset = 0;
  readonly spaces = new Map<string, any>();

  constructor(
    private readonly client: LiveTestClient,
    readonly cell: string,
  ) {}

  async snapshot() {
    const m = await this.client.next((x) => x.type === "snapshot" && x.cell === this.cell, 10_000);
    this.epoch = m.epoch;
    this.offset = m.offset;
    this.spaces.clear();
    for (const s of m.spaces) this.spaces.set(s.id, s);
  }

  /** The next delta of the cell, awaited until `deadline` (ms since the epoch), applied. */
  async delta(predicate: (m: any) => boolean, deadline: number) {
    const m = await this.client.next(
      (x) => x.type === "delta" && x.cell === this.cell && predicate(x),
      Math.max(1, deadline - Date.now()),
    );
    expect(m.epoch).toBe(this.epoch);
    expect(m.offset).toBe(this.offset + 1);
    this.offset = m.offset;
    if (m.removed !== undefined) this.spaces.delete(m.removed);
    else this.spaces.set(m.space.id, m.space);
    return m;
  }
}

describe.each<TransportName>(["ws", "socket.io"])("listing changes over %s", (transport) => {
  it("create → added, price → changed, title / type / mode / amenities → changed, closed today → closed, deactivated → removed, relisted → added, move → removed here and added there, delete → removed; each within 1 s", async () => {
    const hostId = await insertHost(pool);
    const token = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    // Two neighbouring map cells, each already holding a space (so both have live state).
    const here = pointsInCell(randomPoint(), 2, config.H3_MAP_RESOLUTION);
    const nextCell = gridDisk(here.cell, 1).find((c) => c !== here.cell)!;
    const [lat, lng] = cellToLatLng(nextCell);
    const there = pointsInCell({ lat, lng }, 2, config.H3_MAP_RESOLUTION);
    expect(there.cell).toBe(nextCell);
    await insertSpace(pool, config, hostId, here.points[0]!);
    await insertSpace(pool, config, hostId, there.points[0]!);

    const client = await connectLive(transport, gateways[1]!.url);
    clients.push(client);
    const parent = cellToParent(here.cell, config.LIVE_AGGREGATE_RESOLUTION);
    client.send({ type: "subscribe", ref: "s", cells: [here.cell, there.cell, parent] });
    const a = new CellView(client, here.cell);
    const b = new CellView(client, there.cell);
    await Promise.all([a.snapshot(), b.snapshot()]);
    expect(a.spaces.size).toBe(1);
    await client.next((m) => m.type === "aggregate" && m.cell === parent);
    /** The aggregate's counts as the client last heard them. */
    const lastCounts = () =>
      client.messages.filter((m) => m.type === "aggregate" && m.cell === parent).at(-1);
    const counts = lastCounts();

    // Created inside the watched cell: added.
    const everyDay = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "00:00", end: "24:00" }));
    const created = await rest(
      gateways[0]!,
      token,
      "POST",
      "/spaces",
      validSpaceBody({
        location: here.points[1],
        timezone: "UTC",
        schedule: everyDay,
        pricing: { currency: "EUR", hourly: 300, daily: null, monthly: null },
      }),
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const added = await a.delta((m) => m.space?.id === id, created.at + WITHIN_MS);
    expect(added.space).toMatchObject({
      id,
      state: "available",
      hourly: 300,
      currency: "EUR",
      title: "Garage near Sol",
      spaceType: "garage",
      bookingMode: "instant",
      amenities: ["covered", "lit"],
    });
    // Its aggregate cell counts it, free.
    const counted = await client.next(
      (m) =>
        m.type === "aggregate" &&
        m.cell === parent &&
        m.total === counts.total + 1 &&
        m.free === counts.free + 1,
      Math.max(1, created.at + WITHIN_MS - Date.now()),
    );
    expect(counted.version).toBeGreaterThan(counts.version);

    // Its price changed: the new one.
    const repriced = await rest(gateways[0]!, token, "PUT", `/spaces/${id}`, {
      pricing: { currency: "EUR", hourly: 450, daily: null, monthly: null },
    });
    expect(repriced.status).toBe(200);
    const changed = await a.delta((m) => m.space?.id === id, repriced.at + WITHIN_MS);
    expect(changed.space).toMatchObject({ id, state: "available", hourly: 450 });

    // Its title, type, booking mode and amenities changed: the new ones.
    const relisted = await rest(gateways[0]!, token, "PUT", `/spaces/${id}`, {
      title: "Covered bay by the lift",
      spaceType: "underground",
      bookingMode: "request",
      amenities: ["ev_charging", "24h_access"],
    });
    expect(relisted.status).toBe(200);
    const retitled = await a.delta((m) => m.space?.id === id, relisted.at + WITHIN_MS);
    expect(retitled.space).toMatchObject({
      id,
      hourly: 450,
      title: "Covered bay by the lift",
      spaceType: "underground",
      bookingMode: "request",
      amenities: ["24h_access", "ev_charging"],
    });

    // Closed for the rest of today (its zone is UTC): closed.
    const today = new Date().toISOString().slice(0, 10);
    const closing = await rest(gateways[0]!, token, "POST", `/spaces/${id}/availability`, {
      exceptions: [{ date: today, kind: "closed" }],
    });
    expect(closing.status).toBe(200);
    const closed = await a.delta((m) => m.space?.id === id, closing.at + WITHIN_MS);
    expect(closed.space).toMatchObject({ id, state: "closed", hourly: 450 });
    // No longer free: the aggregate says so.
    await client.next(
      (m) =>
        m.type === "aggregate" &&
        m.cell === parent &&
        m.version > counted.version &&
        m.total === counts.total + 1 &&
        m.free === counts.free,
      Math.max(1, closing.at + WITHIN_MS - Date.now()),
    );

    // Deactivated: removed; listed again: added back.
    const pausing = await rest(gateways[0]!, token, "PUT", `/spaces/${id}`, { status: "inactive" });
    expect(pausing.status).toBe(200);
    await a.delta((m) => m.removed === id, pausing.at + WITHIN_MS);
    const resuming = await rest(gateways[0]!, token, "PUT", `/spaces/${id}`, { status: "active" });
    expect(resuming.status).toBe(200);
    const back = await a.delta((m) => m.space?.id === id, resuming.at + WITHIN_MS);
    expect(back.space).toMatchObject({ id, state: "closed", hourly: 450 });

    // Moved into the next cell: removed here, added there.
    const moving = await rest(gateways[0]!, token, "PUT", `/spaces/${id}`, { location: there.points[1] });
    expect(moving.status).toBe(200);
    const [left, arrived] = await Promise.all([
      a.delta((m) => m.removed === id, moving.at + WITHIN_MS),
      b.delta((m) => m.space?.id === id, moving.at + WITHIN_MS),
    ]);
    expect(left.removed).toBe(id);
    expect(arrived.space).toMatchObject({ id, state: "closed", hourly: 450, ...there.points[1] });

    // Deleted: removed.
    const deleting = await rest(gateways[0]!, token, "DELETE", `/spaces/${id}`);
    expect(deleting.status).toBe(204);
    await b.delta((m) => m.removed === id, deleting.at + WITHIN_MS);

    // A fresh subscriber's snapshots agree with what the deltas built.
    const fresh = await connectLive(transport, gateways[0]!.url);
    clients.push(fresh);
    fresh.send({ type: "subscribe", ref: "f", cells: [here.cell, there.cell] });
    const freshA = new CellView(fresh, here.cell);
    const freshB = new CellView(fresh, there.cell);
    await Promise.all([freshA.snapshot(), freshB.snapshot()]);
    expect(freshA.epoch).toBe(a.epoch);
    expect(freshA.offset).toBe(a.offset);
    expect(freshA.spaces).toEqual(a.spaces);
    expect(freshB.offset).toBe(b.offset);
    expect(freshB.spaces).toEqual(b.spaces);
    expect([...a.spaces.keys()]).not.toContain(id);
    expect([...b.spaces.keys()]).not.toContain(id);
  });

  it("a space created in a watched cell that held none reaches its watchers as a fresh snapshot", async () => {
    const hostId = await insertHost(pool);
    const token = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    const { cell, points } = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION);
    const client = await connectLive(transport, gateways[1]!.url);
    clients.push(client);
    client.send({ type: "subscribe", ref: "s", cells: [cell] });
    const empty = await client.next((m) => m.type === "snapshot" && m.cell === cell);
    expect(empty).toMatchObject({ epoch: "empty", offset: 0, spaces: [] });
    const created = await rest(
      gateways[0]!,
      token,
      "POST",
      "/spaces",
      validSpaceBody({ location: points[0] }),
    );
    expect(created.status).toBe(201);
    const snapshot = await client.next(
      (m) => m.type === "snapshot" && m.cell === cell && m.epoch !== "empty",
      Math.max(1, created.at + WITHIN_MS - Date.now()),
    );
    expect(snapshot.spaces.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });
});
