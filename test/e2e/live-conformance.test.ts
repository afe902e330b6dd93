// One conformance suite for the live protocol, run over raw `ws` and over socket.io against two
// spawned gateway processes and the real Redis: snapshots, cross-gateway deltas, resume, refusals
// before the upgrade, oversize frames, malformed messages, rate limits, slow consumers, host prompts.
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
  resolveApprovalRequest,
  type SpaceLiveState,
} from "../../src/live/index.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import {
  insertHost,
  insertSpace,
  insertSpaces,
  pointsInCell,
  randomPoint,
  type SpaceRow,
} from "../support/live-fixtures.ts";
import { testConfig } from "../support/test-app.ts";

const ORIGIN = "http://map.parkealo.test";
const HISTORY = 20;
const gatewayEnv = {
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
  gateways = await startGateways(2, gatewayEnv, perGatewayEnv);
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

const cycle = ["held", "occupied", "available"] as const;

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

  it("resumes after N missed changes with exactly those N", async () => {
    const { cell, spaces } = await cellWithSpaces(1);
    const first = await connect(0);
    const snapshot = await subscribed(first, cell);
    first.close();
    for (const state of cycle) await publishSpaceChange(live, cell, stateOf(spaces[0]!, state));
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
    expect(deltas.map((d) => d.space.state)).toEqual([...cycle]);
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
    for (let i = 0; i < HISTORY + 5; i++)
      await publishSpaceChange(live, cell, stateOf(spaces[0]!, cycle[i % 3]!));
    const again = await connect(0);
    again.send({ type: "resume", cells: { [cell]: { epoch: snapshot.epoch, offset: snapshot.offset } } });
    const fresh = await again.next((m) => m.type === "snapshot");
    expect(fresh.offset).toBe(snapshot.offset + HISTORY + 5);
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
      await Promise.all([fast.next(fresh, 2000), other.next(fresh, 2000)]);
    }
    const change = await publishSpaceChange(live, cell, stateOf(spaces[0]!, "occupied"));
    const published = Date.now();
    const current = (m: any) => m.type === "delta" && m.epoch === change.epoch && m.offset === change.offset;
    const [lastFast, lastOther] = await Promise.all([fast.next(current, 2000), other.next(current, 2000)]);
    expect(Date.now() - published).toBeLessThan(1000);
    expect([lastFast.space.state, lastOther.space.state]).toEqual(["occupied", "occupied"]);
    expect(fast.messages.filter((m) => m.type === "snapshot").length).toBeGreaterThan(rebuilds / 2);
    await expect.poll(metric, { timeout: 5000 }).toBeGreaterThan(before);
    expect(slow.messages.length).toBeLessThan(fast.messages.length);
  });

  it("drops a peer that stops answering pings", async () => {
    const metric = () => gateways[1]!.metric("live_connections", `transport="${transport}"`);
    const peer = await connect(1);
    const open = await metric();
    peer.stopReading();
    await expect.poll(metric, { timeout: 8000, interval: 250 }).toBeLessThan(open);
  });

  it("puts approval prompts in front of the host, again after a reconnect, until resolved", async () => {
    const hostId = randomUUID();
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
