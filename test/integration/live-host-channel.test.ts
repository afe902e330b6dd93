// The host channel over both transports, in-process so the booking side can be a test stand-in:
// prompts on connect, approve / reject over the socket answered with an ack, the prompt resolved on
// every host socket and the map updated; errors for unknown, foreign and non-host decisions.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BookingCommands } from "../../gateway/live/index.ts";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { AppError } from "../../src/errors.ts";
import {
  createLiveContext,
  ensureCellBuilt,
  hostPromptKeys,
  notifyApprovalRequest,
  pendingApprovalRequests,
  publishSpaceChange,
  resolveApprovalRequest,
} from "../../src/live/index.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { insertDriver } from "../support/live-bookings.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import {
  insertHost,
  insertSpace,
  pointsInCell,
  randomPoint,
  type SpaceRow,
} from "../support/live-fixtures.ts";
import { listenLiveGateway, type TestLiveGateway } from "../support/live-gateway-server.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig({ LIVE_ALLOWED_ORIGINS: "*" });
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const live = createLiveContext(config, redis, pool);
const tokens = new AccessTokens(config.JWT_SECRET, 600);

/** Test stand-in for the booking actors: pending requests in memory; deciding one updates prompts and map. */
interface PendingBooking {
  hostId: string;
  space: SpaceRow;
  status: string;
}
const bookings = new Map<string, PendingBooking>();
const commands: BookingCommands = {
  async approve({ hostId, bookingId }) {
    return decide(hostId, bookingId, "confirmed");
  },
  async reject({ hostId, bookingId }) {
    return decide(hostId, bookingId, "rejected");
  },
};
async function decide(hostId: string, bookingId: string, status: "confirmed" | "rejected") {
  const booking = bookings.get(bookingId);
  if (!booking) throw new AppError("not_found", 404, "booking not found");
  if (booking.hostId !== hostId) throw new AppError("forbidden", 403, "not your booking");
  if (booking.status !== "pending_approval")
    throw new AppError("conflict", 409, `booking is ${booking.status}`);
  booking.status = status;
  const s = booking.space;
  await publishSpaceChange(live, s.cell, {
    id: s.id,
    lat: s.lat,
    lng: s.lng,
    state: status === "confirmed" ? "occupied" : "available",
    hourly: s.hourly,
    currency: "EUR",
  });
  await resolveApprovalRequest(redis, hostId, bookingId, status);
  return { bookingId, status };
}

let url = "";
let gateway: TestLiveGateway;
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  gateway = await listenLiveGateway({ config, pool, redis, accessTokens: tokens, commands });
  url = gateway.url;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gateway.close();
  redis.disconnect();
  await pool.end();
});

async function pendingRequest() {
  const hostId = await insertHost(pool);
  const { cell, points } = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION);
  const space = await insertSpace(pool, config, hostId, points[0]!, { bookingMode: "request" });
  const bookingId = randomUUID();
  bookings.set(bookingId, { hostId, space, status: "pending_approval" });
  // The stand-in keeps its bookings in memory, not in the ledger: build the cell before the hold.
  await ensureCellBuilt(live, cell);
  await publishSpaceChange(live, cell, {
    id: space.id,
    lat: space.lat,
    lng: space.lng,
    state: "held",
    hourly: space.hourly,
    currency: "EUR",
  });
  await notifyApprovalRequest(redis, hostId, {
    bookingId,
    spaceId: space.id,
    driver: { id: randomUUID(), name: "Dana Driver" },
    start: new Date(Date.now() + 3_600_000).toISOString(),
    end: new Date(Date.now() + 7_200_000).toISOString(),
    totalAmount: 500,
    currency: "EUR",
    expiresAt: new Date(Date.now() + 1_800_000).toISOString(),
  });
  const token = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
  return { hostId, bookingId, space, cell, token };
}

describe("pending prompts", () => {
  it("drops prompts whose deadline passed and refuses upgrades to unknown paths", async () => {
    const hostId = randomUUID();
    const prompt = (bookingId: string, expiresAt: Date) => ({
      bookingId,
      spaceId: randomUUID(),
      driver: { id: randomUUID(), name: "Dana Driver" },
      start: new Date(Date.now() + 3_600_000).toISOString(),
      end: new Date(Date.now() + 7_200_000).toISOString(),
      totalAmount: 500,
      currency: "EUR",
      expiresAt: expiresAt.toISOString(),
    });
    const live = randomUUID();
    await notifyApprovalRequest(redis, hostId, prompt(randomUUID(), new Date(Date.now() - 1000)));
    await notifyApprovalRequest(redis, hostId, prompt(live, new Date(Date.now() + 60_000)));
    const pending = await pendingApprovalRequests(redis, hostId);
    expect(pending.map((p) => JSON.parse(p).bookingId)).toEqual([live]);
    expect(await redis.hlen(hostPromptKeys(hostId).pending)).toBe(1);
    await expect(connectLive("ws", `${url}/elsewhere`)).rejects.toThrow(/refused: 404/);
  });
});

describe.each<TransportName>(["ws", "socket.io"])("host channel over %s", (transport) => {
  async function connect(token?: string) {
    const client = await connectLive(transport, url, token ? { token } : {});
    clients.push(client);
    return client;
  }

  it("approves over the socket: ack, prompt resolved on every host socket, map turns occupied", async () => {
    const { bookingId, cell, token } = await pendingRequest();
    const [host, secondTab, map] = [await connect(token), await connect(token), await connect()];
    await host.next((m) => m.type === "approval_request" && m.bookingId === bookingId);
    await secondTab.next((m) => m.type === "approval_request" && m.bookingId === bookingId);
    map.send({ type: "subscribe", cells: [cell] });
    expect((await map.next((m) => m.type === "snapshot")).spaces[0].state).toBe("held");

    host.send({ type: "approve", ref: "a1", bookingId });
    expect(await host.next((m) => m.type === "ack")).toEqual({
      type: "ack",
      ref: "a1",
      bookingId,
      status: "confirmed",
    });
    for (const c of [host, secondTab]) {
      expect(await c.next((m) => m.type === "approval_resolved")).toMatchObject({
        bookingId,
        status: "confirmed",
      });
    }
    expect((await map.next((m) => m.type === "delta")).space.state).toBe("occupied");

    host.send({ type: "approve", ref: "a2", bookingId });
    expect(await host.next((m) => m.type === "error" && m.ref === "a2")).toMatchObject({ code: "conflict" });
  });

  it("rejects over the socket and the slot shows available again", async () => {
    const { bookingId, cell, token } = await pendingRequest();
    const host = await connect(token);
    const map = await connect();
    map.send({ type: "subscribe", cells: [cell] });
    await map.next((m) => m.type === "snapshot");
    await host.next((m) => m.type === "approval_request");
    host.send({ type: "reject", ref: 7, bookingId, reason: "Closed for works" });
    expect(await host.next((m) => m.type === "ack")).toMatchObject({ ref: 7, status: "rejected" });
    expect((await map.next((m) => m.type === "delta")).space.state).toBe("available");
    const again = await connect(token);
    again.send({ type: "unsubscribe", ref: "sync" });
    await again.next((m) => m.type === "unsubscribed");
    expect(again.messages.filter((m) => m.type === "approval_request")).toEqual([]);
  });

  it("refuses unknown, foreign and non-host decisions with an error, keeping the connection", async () => {
    const mine = await pendingRequest();
    const theirs = await pendingRequest();
    const host = await connect(mine.token);
    host.send({ type: "approve", ref: 1, bookingId: randomUUID() });
    expect(await host.next((m) => m.type === "error" && m.ref === 1)).toMatchObject({ code: "not_found" });
    host.send({ type: "approve", ref: 2, bookingId: theirs.bookingId });
    expect(await host.next((m) => m.type === "error" && m.ref === 2)).toMatchObject({ code: "forbidden" });
    const driver = await connect((await insertDriver(pool, tokens)).token);
    driver.send({ type: "reject", ref: 3, bookingId: mine.bookingId });
    expect(await driver.next((m) => m.type === "error" && m.ref === 3)).toMatchObject({ code: "forbidden" });
    expect(bookings.get(mine.bookingId)?.status).toBe("pending_approval");
  });
});
