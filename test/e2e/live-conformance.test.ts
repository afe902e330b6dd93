// One conformance suite for the live protocol, run over raw `ws` and over socket.io against two
// spawned gateway processes, two shard workers running the space actor, and the real Redis:
// snapshots, deltas of bookings made through REST on every gateway, resume, refusals before the
// upgrade, oversize frames, malformed messages, rate limits, slow consumers, host prompts of
// requests made through REST, approve / reject over the socket through the actors.
import { randomUUID } from "node:crypto";
import { cellToParent } from "h3-js";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import {
  cellKeys,
  createLiveContext,
  ensureCellBuilt,
  notifyApprovalRequest,
  publishSpaceChange,
  readCell,
  resolveApprovalRequest,
  type SpaceLiveState,
} from "../../src/live/index.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import {
  futureWindow,
  insertDriver,
  insertStay,
  requestBooking,
  seedPendingStay,
} from "../support/live-bookings.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import {
  insertHost,
  insertSpace,
  insertSpaces,
  pointsInCell,
  randomPoint,
  type SpaceRow,
} from "../support/live-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testConfig } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

const ORIGIN = "http://map.parkealo.test";
const HISTORY = 20;
const SHARDS = 4;
const actorEnv = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: String(SHARDS),
  ACTOR_REPLY_TIMEOUT_MS: "20000",
};
const gatewayEnv = {
  ...actorEnv,
  LIVE_ALLOWED_ORIGINS: ORIGIN,
  LIVE_HISTORY_LENGTH: String(HISTORY),
  LIVE_MAX_BUFFERED_BYTES: String(64 * 1024),
  LIVE_MAX_PAYLOAD_BYTES: String(16 * 1024),
};
// The second gateway pings often, to show dead peers dropped; the first keeps the default so its
// non-reading client is cut off by the send-buffer bound, not by the heartbeat.
const perGatewayEnv: Array<Record<string, string>> = [{}, { LIVE_PING_INTERVAL_MS: "1500" }];
const config = testConfig(gatewayEnv);
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
const tokens = new AccessTokens(config.JWT_SECRET, 600);
let gateways: GatewayProcess[] = [];
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  // The history cap is the publisher's: the workers publish the bookings' deltas.
  const workerEnv = {
    ...actorEnv,
    LIVE_HISTORY_LENGTH: String(HISTORY),
    LOG_LEVEL: "warn",
    NODE_ENV: "test",
  };
  const [started, workers] = await Promise.all([
    startGateways(2, gatewayEnv, perGatewayEnv),
    Promise.all(
      ["live-worker-1", "live-worker-2"].map((id) => spawnWorker(id, workerEnv, SHARD_WORKER_ENTRY)),
    ),
  ]);
  gateways = started;
  await waitFor(
    () => Promise.all(workers.map((w) => w.health())),
    (snapshots) => new Set(snapshots.flatMap((s) => s.ownedShards.map((o) => o.shard))).size === SHARDS,
    30_000,
    "every shard owned by a worker",
  );
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(gateways.map((g) => g.process.stop("SIGTERM", 5000)));
  redis.disconnect();
  await pool.end();
});

async function cellWithSpaces(n: number) {
  const host = await insertHost(pool);
  const { cell, points } = pointsInCell(randomPoint(), n, config.H3_MAP_RESOLUTION);
  const spaces: SpaceRow[] = [];
  for (const point of points) spaces.push(await insertSpace(pool, config, host, point));
  return { cell, spaces };
}

function stateOf(space: SpaceRow, state: SpaceLiveState["state"]): SpaceLiveState {
  return { id: space.id, lat: space.lat, lng: space.lng, state, hourly: space.hourly, currency: "EUR" };
}

describe.each<TransportName>(["ws", "socket.io"])("live protocol over %s", (transport) => {
  async function connect(gateway = 0, options: { token?: string; origin?: string } = {}) {
    const client = await connectLive(transport, gateways[gateway]!.url, { origin: ORIGIN, ...options });
    clients.push(client);
    return client;
  }

  async function subscribed(client: LiveTestClient, cell: string) {
    client.send({ type: "subscribe", ref: "s1", cells: [cell] });
    await client.next((m) => m.type === "subscribed" && m.ref === "s1");
    return client.next((m) => m.type === "snapshot" && m.cell === cell);
  }

  it("answers a subscription with a snapshot of the cell", async () => {
    const { cell, spaces } = await cellWithSpaces(3);
    const client = await connect();
    const snapshot = await subscribed(client, cell);
    expect(snapshot.spaces.map((s: any) => s.id).sort()).toEqual(spaces.map((s) => s.id).sort());
    expect(snapshot.spaces[0]).toMatchObject({ state: "available", currency: "EUR" });
    expect(typeof snapshot.epoch).toBe("string");
  });

  it("subscribes by viewport and zoom: map cells zoomed in, aggregates zoomed out", async () => {
    const { cell, spaces } = await cellWithSpaces(2);
    const p = spaces[0]!;
    const viewport = { north: p.lat + 0.002, south: p.lat - 0.002, east: p.lng + 0.003, west: p.lng - 0.003 };
    const client = await connect(1);
    client.send({ type: "subscribe", ref: 1, viewport, zoom: 16 });
    const ack = await client.next((m) => m.type === "subscribed" && m.ref === 1);
    expect(ack.mode).toBe("spaces");
    expect(ack.cells).toContain(cell);
    await client.next((m) => m.type === "snapshot" && m.cell === cell);

    client.send({ type: "subscribe", ref: 2, viewport, zoom: 12 });
    const zoomedOut = await client.next((m) => m.type === "subscribed" && m.ref === 2);
    expect(zoomedOut.mode).toBe("aggregate");
    const parent = cellToParent(cell, config.LIVE_AGGREGATE_RESOLUTION);
    expect(zoomedOut.cells).toContain(parent);
    const aggregate = await client.next((m) => m.type === "aggregate" && m.cell === parent);
    expect(aggregate).toMatchObject({ free: 2, total: 2 });
    // A new viewport replaced the previous one: only its cells are watched now.
    client.send({ type: "unsubscribe", ref: "all" });
    const dropped = await client.next((m) => m.type === "unsubscribed" && m.ref === "all");
    expect([...dropped.cells].sort()).toEqual([...zoomedOut.cells].sort());

    client.send({
      type: "subscribe",
      ref: 3,
      viewport: { north: 60, south: 30, east: 20, west: -10 },
      zoom: 5,
    });
    expect(await client.next((m) => m.type === "error" && m.ref === 3)).toMatchObject({
      code: "viewport_too_large",
    });
  });

  it("sends a published change as a delta to every watcher, on both gateways", async () => {
    const { cell, spaces } = await cellWithSpaces(2);
    const [a, b] = [await connect(0), await connect(1)];
    const [snapA, snapB] = await Promise.all([subscribed(a, cell), subscribed(b, cell)]);
    expect(snapA.offset).toBe(snapB.offset);
    const result = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"));
    const [deltaA, deltaB] = await Promise.all([
      a.next((m) => m.type === "delta" && m.cell === cell),
      b.next((m) => m.type === "delta" && m.cell === cell),
    ]);
    expect(deltaA).toEqual(deltaB);
    expect(deltaA).toMatchObject({
      epoch: snapA.epoch,
      offset: result.offset,
      space: { id: spaces[0]!.id, state: "occupied" },
    });
  });

  it("sends a burst of changes published together to every watcher, each as its own delta, in order", async () => {
    const { cell, spaces } = await cellWithSpaces(5);
    // Three watchers on one gateway (a burst read in one turn goes to them as one joined write each),
    // one on the other.
    const watchers = [await connect(0), await connect(0), await connect(0), await connect(1)];
    const snapshots = await Promise.all(watchers.map((w) => subscribed(w, cell)));
    const results = await Promise.all(
      spaces.map((space) => publishSpaceChange(live, cell, stateOf(space, "held"))),
    );
    const offsets = results.map((r) => r.offset).sort((x, y) => x - y);
    expect(offsets).toEqual(offsets.map((_, i) => snapshots[0]!.offset + 1 + i));
    for (const watcher of watchers) {
      const deltas = [];
      for (const offset of offsets) {
        deltas.push(await watcher.next((m) => m.type === "delta" && m.cell === cell && m.offset === offset));
      }
      expect(deltas.map((d) => d.space.state)).toEqual(spaces.map(() => "held"));
      const received = watcher.messages
        .filter((m) => m.type === "delta" && m.cell === cell)
        .map((m) => m.offset);
      expect(received).toEqual(offsets);
    }
  });

  it("sends a booking made through REST on one gateway to every watcher of its cell, on both gateways", async () => {
    const { cell, spaces } = await cellWithSpaces(2);
    const target = spaces[0]!;
    // Watchers of this transport on both gateways, and of the other transport too: one stream.
    const other: TransportName = transport === "ws" ? "socket.io" : "ws";
    const watchers = [
      await connect(0),
      await connect(1),
      ...(await Promise.all([0, 1].map((g) => connectLive(other, gateways[g]!.url, { origin: ORIGIN })))),
    ];
    clients.push(...watchers.slice(2));
    const snapshots = await Promise.all(watchers.map((w) => subscribed(w, cell)));
    const before = snapshots[0].spaces.find((s: any) => s.id === target.id);
    expect(before).toMatchObject({ state: "available" });
    const window = futureWindow(90);
    expect(Date.parse(before.freeUntil)).toBeGreaterThan(Date.parse(window.start));

    const driver = await insertDriver(pool, tokens);
    const booked = await requestBooking(gateways[0]!.url, driver, { spaceId: target.id, ...window });
    expect(booked.status).toBe(201);
    expect(booked.body).toMatchObject({ spaceId: target.id, status: "confirmed" });
    const deltas = await Promise.all(
      watchers.map((w) => w.next((m) => m.type === "delta" && m.cell === cell, 15_000)),
    );
    for (const delta of deltas) expect(delta).toEqual(deltas[0]);
    // Free now, until the booking starts.
    expect(deltas[0]).toEqual({
      type: "delta",
      cell,
      epoch: snapshots[0].epoch,
      offset: snapshots[0].offset + 1,
      space: { ...before, freeUntil: window.start },
    });
    expect(watchers.flatMap((w) => w.messages.filter((m) => m.type === "delta"))).toHaveLength(4);
  });

  it("puts a request-to-book made through REST in front of the host on the other gateway, again after a reconnect, and approves it over the socket", async () => {
    const hostId = await insertHost(pool);
    const { cell, points } = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION);
    const space = await insertSpace(pool, config, hostId, points[0]!, { bookingMode: "request" });
    const token = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    const host = await connect(1, { token });
    const map = await connect(1);
    const snapshot = await subscribed(map, cell);

    const driver = await insertDriver(pool, tokens);
    const window = futureWindow(120, 90);
    const requested = await requestBooking(gateways[0]!.url, driver, { spaceId: space.id, ...window });
    expect(requested.status).toBe(201);
    expect(requested.body.status).toBe("pending_approval");
    const bookingId = requested.body.id as string;
    const prompt = await host.next((m) => m.type === "approval_request", 15_000);
    expect(prompt).toEqual({
      type: "approval_request",
      bookingId,
      spaceId: space.id,
      driver: { id: driver.id, name: "Dana D" },
      start: window.start,
      end: window.end,
      totalAmount: requested.body.totalAmount,
      currency: "EUR",
      expiresAt: requested.body.expiresAt,
    });
    // The pending request holds its slot: the map shows the space free only until it.
    expect(await map.next((m) => m.type === "delta", 15_000)).toMatchObject({
      offset: snapshot.offset + 1,
      space: { id: space.id, state: "available", freeUntil: window.start },
    });

    host.close();
    const back = await connect(0, { token });
    expect(await back.next((m) => m.type === "approval_request")).toEqual(prompt);
    const otherTab = await connect(1, { token });
    await otherTab.next((m) => m.type === "approval_request" && m.bookingId === bookingId);

    back.send({ type: "approve", ref: "yes", bookingId });
    expect(await back.next((m) => m.type === "ack", 20_000)).toEqual({
      type: "ack",
      ref: "yes",
      bookingId,
      status: "confirmed",
    });
    const resolved = { type: "approval_resolved", bookingId, status: "confirmed" };
    expect(await back.next((m) => m.type === "approval_resolved")).toEqual(resolved);
    expect(await otherTab.next((m) => m.type === "approval_resolved")).toEqual(resolved);
    const { rows } = await pool.query("select status from bookings where id = $1", [bookingId]);
    expect(rows).toEqual([{ status: "confirmed" }]);
    // Decided: a host connecting now is not prompted any more.
    const later = await connect(0, { token });
    later.send({ type: "unsubscribe", ref: "sync" });
    await later.next((m) => m.type === "unsubscribed");
    expect(later.messages.filter((m) => m.type === "approval_request")).toEqual([]);
  });

  it("approving a stay that has begun turns the map from held to occupied; rejecting one, to available", async () => {
    const hostId = await insertHost(pool);
    const { cell, points } = pointsInCell(randomPoint(), 2, config.H3_MAP_RESOLUTION);
    const [kept, refused] = [
      await insertSpace(pool, config, hostId, points[0]!, { bookingMode: "request" }),
      await insertSpace(pool, config, hostId, points[1]!, { bookingMode: "request" }),
    ];
    const driver = await insertDriver(pool, tokens);
    const approved = await seedPendingStay(pool, kept, driver.id);
    const rejected = await seedPendingStay(pool, refused, driver.id);
    const watchers = [await connect(0), await connect(1)];
    const [snapshot] = await Promise.all(watchers.map((w) => subscribed(w, cell)));
    expect(snapshot.spaces.map((s: any) => s.state)).toEqual(["held", "held"]);

    const host = await connect(1, { token: await tokens.sign({ userId: hostId, roles: ["host"] }) });
    host.send({ type: "approve", ref: "a", bookingId: approved.bookingId });
    expect(await host.next((m) => m.type === "ack" && m.ref === "a", 20_000)).toMatchObject({
      status: "confirmed",
    });
    for (const w of watchers) {
      expect(await w.next((m) => m.type === "delta", 15_000)).toMatchObject({
        space: { id: kept.id, state: "occupied", nextFreeAt: approved.end },
      });
    }
    host.send({ type: "reject", ref: "r", bookingId: rejected.bookingId, reason: "private event" });
    expect(await host.next((m) => m.type === "ack" && m.ref === "r", 20_000)).toMatchObject({
      status: "rejected",
    });
    for (const w of watchers) {
      expect(await w.next((m) => m.type === "delta", 15_000)).toMatchObject({
        space: { id: refused.id, state: "available" },
      });
    }
    const { rows } = await pool.query(
      "select status from bookings where id = any($1::uuid[]) order by status",
      [[approved.bookingId, rejected.bookingId]],
    );
    // The approved stay has begun, so its start reminder may already have made it active.
    expect(rows.map((r) => r.status)).toEqual([expect.stringMatching(/^(confirmed|active)$/), "rejected"]);
  });

  it("pushes a time boundary that no actor command marks (a stay written straight to the ledger) once, from either gateway", async () => {
    const { cell, spaces } = await cellWithSpaces(1);
    const space = spaces[0]!;
    const driver = await insertDriver(pool, tokens);
    const watchers = [await connect(0), await connect(1)];
    const start = Date.now() + 4000;
    const end = start + 2000;
    await insertStay(pool, space, driver.id, start, end);
    const [snapshot] = await Promise.all(watchers.map((w) => subscribed(w, cell)));
    expect(snapshot.spaces[0]).toMatchObject({
      state: "available",
      freeUntil: new Date(start).toISOString(),
    });

    for (const w of watchers) {
      const occupied = await w.next((m) => m.type === "delta" && m.offset === snapshot.offset + 1, 10_000);
      expect(occupied.space).toMatchObject({ state: "occupied", nextFreeAt: new Date(end).toISOString() });
    }
    expect(Date.now()).toBeGreaterThanOrEqual(start);
    for (const w of watchers) {
      const free = await w.next((m) => m.type === "delta" && m.offset === snapshot.offset + 2, 10_000);
      expect(free.space).toMatchObject({ state: "available" });
    }
    const arrived = Date.now();
    expect(arrived).toBeGreaterThanOrEqual(end);
    // Within a tick or two of the boundary, however loaded the machine.
    expect(arrived - end).toBeLessThan(5000);
    // Both gateways' tickers saw each boundary; each was published once.
    const offset = (await readCell(live, cell)).offset;
    expect(offset).toBe(snapshot.offset + 2);
  });

  /**
   * `count` bookings of `space` through REST on gateway A, each starting before the previous one, so
   * each moves the space's freeUntil: one delta each. The publisher sends a space's latest state once
   * per flush, so two bookings committed before one flush would share a delta: each booking waits
   * for the previous one's delta. Resolves once the cell holds them all.
   */
  async function bookEarlierAndEarlier(space: SpaceRow, cell: string, from: number, count: number) {
    const driver = await insertDriver(pool, tokens);
    const starts: string[] = [];
    for (let i = 0; i < count; i++) {
      const window = futureWindow((count - i) * 60, 30);
      const booked = await requestBooking(gateways[0]!.url, driver, { spaceId: space.id, ...window });
      expect(booked.status).toBe(201);
      starts.push(window.start);
      // Published once committed (after the answer): wait until the cell's stream holds it.
      await waitFor(
        async () => (await readCell(live, cell)).offset,
        (offset) => offset >= from + i + 1,
        20_000,
        "the booking's delta",
      );
    }
    return starts;
  }

  it("resumes after N missed changes (bookings made through REST) with exactly those N", async () => {
    const { cell, spaces } = await cellWithSpaces(1);
    const first = await connect(0);
    const snapshot = await subscribed(first, cell);
    first.close();
    const starts = await bookEarlierAndEarlier(spaces[0]!, cell, snapshot.offset, 3);
    const again = await connect(1);
    again.send({
      type: "resume",
      ref: "r",
      cells: { [cell]: { epoch: snapshot.epoch, offset: snapshot.offset } },
    });
    await again.next((m) => m.type === "subscribed" && m.ref === "r");
    const deltas = [];
    for (let i = 0; i < 3; i++) deltas.push(await again.next((m) => m.type === "delta"));
    expect(deltas.map((d) => d.offset)).toEqual([1, 2, 3].map((n) => snapshot.offset + n));
    expect(deltas.map((d) => d.space.freeUntil)).toEqual(starts);
    // And then it is live: the next change arrives once, nothing was sent twice, no snapshot.
    await publishSpaceChange(live, cell, stateOf(spaces[0]!, "closed"));
    expect((await again.next((m) => m.type === "delta")).offset).toBe(snapshot.offset + 4);
    expect(again.messages.filter((m) => m.type === "snapshot")).toEqual([]);
    expect(again.messages.filter((m) => m.type === "delta")).toHaveLength(4);
  });

  it("resumes past the history (or from another epoch) with a fresh snapshot", async () => {
    const { cell, spaces } = await cellWithSpaces(1);
    const first = await connect(1);
    const snapshot = await subscribed(first, cell);
    first.close();
    const starts = await bookEarlierAndEarlier(spaces[0]!, cell, snapshot.offset, HISTORY + 5);
    const again = await connect(0);
    again.send({ type: "resume", cells: { [cell]: { epoch: snapshot.epoch, offset: snapshot.offset } } });
    const fresh = await again.next((m) => m.type === "snapshot");
    expect(fresh.offset).toBe(snapshot.offset + HISTORY + 5);
    expect(fresh.spaces[0].freeUntil).toBe(starts.at(-1));
    const other = await connect(0);
    other.send({ type: "resume", cells: { [cell]: { epoch: "some-old-epoch", offset: 1 } } });
    expect((await other.next((m) => m.type === "snapshot")).epoch).toBe(snapshot.epoch);
  });

  it("refuses a bad Origin and a bad token before the upgrade; anonymous viewing is allowed", async () => {
    await expect(connect(0, { origin: "http://evil.example" })).rejects.toThrow(/refused/);
    await expect(connect(1, { token: "not-a-token" })).rejects.toThrow(/refused/);
    const expired = await new AccessTokens(config.JWT_SECRET, 30).sign({
      userId: randomUUID(),
      roles: ["host"],
    });
    await expect(connect(0, { token: `${expired}x` })).rejects.toThrow(/refused/);
    const anonymous = await connect(0);
    anonymous.send({ type: "approve", ref: 9, bookingId: randomUUID() });
    expect(await anonymous.next((m) => m.type === "error" && m.ref === 9)).toMatchObject({
      code: "unauthenticated",
    });
    expect(
      await gateways[0]!.metric("live_handshakes_refused_total", `transport="${transport}"`),
    ).toBeGreaterThan(0);
  });

  it("closes a connection that sends an oversize frame with 1009", async () => {
    const client = await connect();
    client.sendRaw(JSON.stringify({ type: "subscribe", cells: ["x".repeat(20 * 1024)] }));
    expect((await client.closed).code).toBe(1009);
  });

  it("answers malformed messages with an error and keeps the connection", async () => {
    const client = await connect(1);
    client.sendRaw("{not json");
    client.send({ type: "launch_rockets" });
    client.send({ type: "subscribe", ref: "bad", cells: ["not-a-cell"] });
    client.send({ type: "subscribe", ref: "extra", cells: ["89390ca36cbffff"], unexpected: true });
    const errors = [];
    for (let i = 0; i < 4; i++) errors.push(await client.next((m) => m.type === "error"));
    expect(errors.map((e) => e.code)).toEqual(Array(4).fill("invalid_message"));
    expect(errors[2].ref).toBe("bad");
    const { cell } = await cellWithSpaces(1);
    await subscribed(client, cell);
  });

  it("limits the message rate per connection, then closes a flooding client", async () => {
    const client = await connect();
    const started = Date.now();
    // Far more than burst + the refused-in-a-row allowance, so that even on a loaded machine (frames
    // arriving spread out, tokens refilling meanwhile) the flood ends in a close.
    for (let i = 0; i < 400; i++) client.send({ type: "unsubscribe", ref: i });
    await client.next((m) => m.type === "error" && m.code === "rate_limited");
    const { code } = await client.closed;
    if (transport === "ws") expect(code).toBe(1008);
    // Admitted: at most the burst plus what the bucket refilled while the flood lasted.
    const seconds = (Date.now() - started) / 1000;
    const admitted = client.messages.filter((m) => m.type === "unsubscribed").length;
    expect(admitted).toBeLessThanOrEqual(
      config.LIVE_MESSAGE_BURST + config.LIVE_MESSAGES_PER_SECOND * seconds + 1,
    );
    expect(admitted).toBeLessThan(400);
  });

  it("cuts off a client that stops reading without delaying the others", async () => {
    // Snapshot-sized frames fill the kernel's socket buffers (megabytes on loopback) quickly: a big
    // cell whose state is lost and rebuilt again and again sends every watcher a fresh snapshot.
    const host = await insertHost(pool);
    const { cell, points } = pointsInCell(randomPoint(), 400, config.H3_MAP_RESOLUTION);
    const spaces = await insertSpaces(pool, config, host, points);
    const slow = await connect(0);
    const fast = await connect(0);
    const other = await connect(1);
    await Promise.all([subscribed(slow, cell), subscribed(fast, cell), subscribed(other, cell)]);
    slow.stopReading();
    const metric = () =>
      gateways[0]!.metric("live_slow_consumer_disconnects_total", `transport="${transport}"`);
    const before = await metric();
    const keys = cellKeys(cell, live.resolutions);
    const rebuilds = 70;
    for (let i = 0; i < rebuilds; i++) {
      await redis.del(keys.meta);
      const { epoch } = await ensureCellBuilt(live, cell);
      const fresh = (m: any) => m.type === "snapshot" && m.epoch === epoch;
      await Promise.all([fast.next(fresh, 10_000), other.next(fresh, 10_000)]);
    }
    const change = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"));
    const published = Date.now();
    const current = (m: any) => m.type === "delta" && m.epoch === change.epoch && m.offset === change.offset;
    const [lastFast, lastOther] = await Promise.all([fast.next(current, 5000), other.next(current, 5000)]);
    expect(Date.now() - published).toBeLessThan(1000);
    expect([lastFast.space.state, lastOther.space.state]).toEqual(["occupied", "occupied"]);
    expect(fast.messages.filter((m) => m.type === "snapshot").length).toBeGreaterThan(rebuilds / 2);
    await expect.poll(metric, { timeout: 5000 }).toBeGreaterThan(before);
    expect(slow.messages.length).toBeLessThan(fast.messages.length);
  }, 90_000);

  it("drops a peer that stops answering pings", async () => {
    const metric = () => gateways[1]!.metric("live_connections", `transport="${transport}"`);
    const peer = await connect(1);
    const open = await metric();
    peer.stopReading();
    await expect.poll(metric, { timeout: 8000, interval: 250 }).toBeLessThan(open);
  });

  it("puts approval prompts in front of the host, again after a reconnect, until resolved", async () => {
    const hostId = await insertHost(pool);
    const token = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    const host = await connect(1, { token });
    const prompt = {
      bookingId: randomUUID(),
      spaceId: randomUUID(),
      driver: { id: randomUUID(), name: "Dana Driver" },
      start: "2030-01-01T10:00:00.000Z",
      end: "2030-01-01T12:00:00.000Z",
      totalAmount: 900,
      currency: "EUR",
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await notifyApprovalRequest(redis, hostId, prompt);
    expect(await host.next((m) => m.type === "approval_request")).toEqual({
      type: "approval_request",
      ...prompt,
    });
    host.close();

    const back = await connect(0, { token });
    expect(await back.next((m) => m.type === "approval_request")).toMatchObject({
      bookingId: prompt.bookingId,
    });
    await resolveApprovalRequest(redis, hostId, prompt.bookingId, "expired");
    expect(await back.next((m) => m.type === "approval_resolved")).toEqual({
      type: "approval_resolved",
      bookingId: prompt.bookingId,
      status: "expired",
    });
    const later = await connect(1, { token });
    later.send({ type: "unsubscribe", ref: "sync" });
    await later.next((m) => m.type === "unsubscribed");
    expect(later.messages.filter((m) => m.type === "approval_request")).toEqual([]);
  });
});
