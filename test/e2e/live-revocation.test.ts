// A live socket holds the identity of its token only while the token and its session stand, over
// raw `ws` and socket.io, against two spawned gateways and a shard worker running the space actor:
// at the token's expiry, after a logout (that session's sockets only), a password reset (every
// session's) and an admin taking the host role away, the host's sockets on the other gateway are
// told `session_ended` within a second and their approve is refused while the request stays
// pending; `authenticate` with a good token gives the rights back, with an ended one it does not.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { newOpaqueToken, tokenHash } from "../../src/auth/opaque-tokens.ts";
import { hashPassword } from "../../src/auth/passwords.ts";
import { insertEmailToken } from "../../src/storage/auth-tokens-repository.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";
import { futureWindow, insertDriver, requestBooking } from "../support/live-bookings.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import { insertHost, insertSpace, pointsInCell, randomPoint } from "../support/live-fixtures.ts";
import { actorPrefix } from "../support/space-host.ts";
import { testConfig } from "../support/test-app.ts";
import { SHARD_WORKER_ENTRY, spawnWorker } from "../support/worker-processes.ts";

const SHARDS = 2;
const PASSWORD = "a-long-test-password";
const actorEnv = {
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: String(SHARDS),
  ACTOR_REPLY_TIMEOUT_MS: "20000",
};
const gatewayEnv = {
  ...actorEnv,
  NODE_ENV: "test",
  LIVE_ALLOWED_ORIGINS: "*",
  AUTH_RATE_PER_IP_PER_MINUTE: "1000",
};
const config = testConfig(gatewayEnv);
const pool = createPool(config.DATABASE_URL, 4);
const redis = new Redis(config.REDIS_URL);
const tokens = new AccessTokens(config.JWT_SECRET, 600);
let gateways: GatewayProcess[] = [];
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  const [started, worker] = await Promise.all([
    startGateways(2, gatewayEnv),
    spawnWorker(
      "revocation-worker-1",
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
  redis.disconnect();
  await pool.end();
});

/** A host that can log in through the API, with one request-to-book waiting for its answer. */
async function hostWithPendingRequest() {
  const hostId = await insertHost(pool);
  const { rows } = await pool.query<{ email: string }>(
    "update users set password_hash = $2 where id = $1 returning email",
    [hostId, await hashPassword(PASSWORD)],
  );
  const { points } = pointsInCell(randomPoint(), 1, config.H3_MAP_RESOLUTION);
  const space = await insertSpace(pool, config, hostId, points[0]!, { bookingMode: "request" });
  const driver = await insertDriver(pool, tokens);
  const requested = await requestBooking(gateways[0]!.url, driver, {
    spaceId: space.id,
    ...futureWindow(120),
  });
  expect(requested.body).toMatchObject({ status: "pending_approval" });
  return { hostId, email: rows[0]!.email, bookingId: requested.body.id as string };
}

async function api(method: string, path: string, body?: unknown, token?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${gateways[0]!.url}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

async function login(email: string): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await api("POST", "/auth/login", { email, password: PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

async function bookingStatus(bookingId: string): Promise<string> {
  const { rows } = await pool.query<{ status: string }>("select status from bookings where id = $1", [
    bookingId,
  ]);
  return rows[0]!.status;
}

describe.each<TransportName>(["ws", "socket.io"])("revocation over %s", (transport) => {
  /** A host socket on the second gateway (the API calls go to the first), prompted for `bookingId`. */
  async function hostSocket(token: string, bookingId: string) {
    const client = await connectLive(transport, gateways[1]!.url, { token });
    clients.push(client);
    await client.next((m) => m.type === "approval_request" && m.bookingId === bookingId, 10_000);
    return client;
  }

  /** The approve is refused for the ended session, and the request is still waiting for an answer. */
  async function expectApproveRefused(client: LiveTestClient, bookingId: string, reason: string) {
    const ref = randomUUID();
    client.send({ type: "approve", ref, bookingId });
    const answer = await client.next(
      (m) => m.ref === ref && (m.type === "error" || m.type === "ack"),
      20_000,
    );
    expect(answer).toMatchObject({ type: "error", code: "unauthenticated" });
    expect(answer.message).toContain(`the session ended (${reason})`);
    expect(await bookingStatus(bookingId)).toBe("pending_approval");
  }

  /** Everything sent to `client` before now has arrived (an answered round trip). */
  async function drained(client: LiveTestClient) {
    const ref = randomUUID();
    client.send({ type: "unsubscribe", ref, cells: [] });
    await client.next((m) => m.type === "unsubscribed" && m.ref === ref);
  }

  it("ends host rights when the token expires, and gives them back on authenticate with a fresh token", async () => {
    const { hostId, bookingId } = await hostWithPendingRequest();
    const shortLived = await new AccessTokens(config.JWT_SECRET, 3).sign({
      userId: hostId,
      roles: ["driver", "host"],
    });
    const host = await hostSocket(shortLived, bookingId);
    expect(await host.next((m) => m.type === "session_ended", 5000)).toEqual({
      type: "session_ended",
      reason: "token_expired",
    });
    await expectApproveRefused(host, bookingId, "token_expired");

    // An expired token does not bring them back; a fresh one does, with the pending prompt again.
    host.send({ type: "authenticate", ref: "old", token: shortLived });
    expect(await host.next((m) => m.ref === "old")).toMatchObject({ type: "error", code: "unauthenticated" });
    const fresh = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    host.send({ type: "authenticate", ref: "fresh", token: fresh });
    expect(await host.next((m) => m.ref === "fresh")).toMatchObject({
      type: "authenticated",
      userId: hostId,
      roles: ["driver", "host"],
    });
    await host.next((m) => m.type === "approval_request" && m.bookingId === bookingId);
    host.send({ type: "approve", ref: "yes", bookingId });
    expect(await host.next((m) => m.ref === "yes", 20_000)).toMatchObject({
      type: "ack",
      status: "confirmed",
    });
  });

  it("ends the sockets of a logged-out session within a second, and only those", async () => {
    const { email, bookingId } = await hostWithPendingRequest();
    const [phone, laptop] = [await login(email), await login(email)];
    const phoneSocket = await hostSocket(phone.accessToken, bookingId);
    const laptopSocket = await hostSocket(laptop.accessToken, bookingId);

    expect((await api("POST", "/auth/logout", { refreshToken: phone.refreshToken })).status).toBe(204);
    expect(await phoneSocket.next((m) => m.type === "session_ended", 1000)).toEqual({
      type: "session_ended",
      reason: "logout",
    });
    await expectApproveRefused(phoneSocket, bookingId, "logout");
    await drained(laptopSocket);
    expect(laptopSocket.messages.filter((m) => m.type === "session_ended")).toEqual([]);

    // The logged-out session's token, though not expired, neither opens an identified socket nor re-authenticates one.
    await expect(connectLive(transport, gateways[1]!.url, { token: phone.accessToken })).rejects.toThrow(
      /refused/,
    );
    phoneSocket.send({ type: "authenticate", ref: "again", token: phone.accessToken });
    expect(await phoneSocket.next((m) => m.ref === "again")).toMatchObject({
      type: "error",
      code: "unauthenticated",
    });
    await expectApproveRefused(phoneSocket, bookingId, "logout");
  });

  it("ends every session's sockets within a second after a password reset", async () => {
    const { hostId, email, bookingId } = await hostWithPendingRequest();
    const sockets = [
      await hostSocket((await login(email)).accessToken, bookingId),
      await hostSocket((await login(email)).accessToken, bookingId),
    ];
    const resetToken = newOpaqueToken();
    await insertEmailToken(pool, {
      userId: hostId,
      purpose: "reset_password",
      hash: tokenHash(resetToken),
      expiresAt: new Date(Date.now() + 600_000),
    });

    const reset = await api("POST", "/auth/reset-password", {
      token: resetToken,
      password: `${PASSWORD}-new`,
    });
    expect(reset.status).toBe(200);
    for (const socket of sockets) {
      expect(await socket.next((m) => m.type === "session_ended", 1000)).toEqual({
        type: "session_ended",
        reason: "password_reset",
      });
    }
    for (const socket of sockets) await expectApproveRefused(socket, bookingId, "password_reset");
  });

  it("ends host rights within a second when an admin takes the host role away", async () => {
    const { hostId, email, bookingId } = await hostWithPendingRequest();
    const host = await hostSocket((await login(email)).accessToken, bookingId);
    const adminId = await insertHost(pool);
    await pool.query("insert into user_roles (user_id, role) values ($1, 'admin')", [adminId]);
    const admin = await tokens.sign({ userId: adminId, roles: ["driver", "host", "admin"] });

    const changed = await api("PUT", `/admin/users/${hostId}/roles`, { roles: ["driver"] }, admin);
    expect(changed.status).toBe(200);
    expect(await host.next((m) => m.type === "session_ended", 1000)).toEqual({
      type: "session_ended",
      reason: "roles_changed",
    });
    await expectApproveRefused(host, bookingId, "roles_changed");

    // Its token still claims host, but the socket only gets the roles the user holds now.
    const stale = await tokens.sign({ userId: hostId, roles: ["driver", "host"] });
    host.send({ type: "authenticate", ref: "stale", token: stale });
    expect(await host.next((m) => m.ref === "stale")).toMatchObject({
      type: "authenticated",
      roles: ["driver"],
    });
    host.send({ type: "approve", ref: "no", bookingId });
    expect(await host.next((m) => m.ref === "no")).toMatchObject({ type: "error", code: "forbidden" });
    expect(await bookingStatus(bookingId)).toBe("pending_approval");
  });
});
