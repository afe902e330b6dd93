// The booking benchmark's baseline (loadtest/naive-booking-server.ts) honours Idempotency-Key as the
// gateway does: the same key and request replay the first answer, another request with it is a 422,
// and concurrent requests with one key make one booking.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ManagedProcess, startProcess, waitUntil } from "../../devstack/managed-process.ts";
import { freePort } from "../../devstack/stack.ts";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { insertSpaces, insertUser, spaceSeed } from "../support/search-fixtures.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const scratch = useScratchDatabase("naive_idem");
const jwtSecret = randomBytes(32).toString("hex");
let server: ManagedProcess | undefined;
let url = "";
let token = "";
let spaceId = "";

beforeAll(async () => {
  const hostId = await insertUser(scratch.pool(), "naive-host");
  const driverId = await insertUser(scratch.pool(), "naive-driver");
  await scratch.pool().query(`insert into user_roles (user_id, role) values ($1, 'driver')`, [driverId]);
  const spaceIds = await insertSpaces(scratch.pool(), [spaceSeed(hostId, 40.42, -3.7)], { map: 9, shard: 4 });
  spaceId = spaceIds[0]!;
  token = await new AccessTokens(jwtSecret, 600).sign({ userId: driverId, roles: ["driver"] });
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = startProcess("naive", process.execPath, ["--import", "tsx", "loadtest/naive-booking-server.ts"], {
    cwd: root,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      DATABASE_URL: scratch.url,
      JWT_SECRET: jwtSecret,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
    },
  });
  await waitUntil("naive", async () => (await fetch(`${url}/healthz`)).ok, 60_000, server.exited);
}, 90_000);

afterAll(async () => {
  await server?.stop("SIGINT");
});

/** A Monday 4 to 5 weeks ahead: within the booking horizon, far enough that no notice rule applies. */
const day = new Date(Date.now() + 28 * 86_400_000);
day.setUTCDate(day.getUTCDate() + ((8 - day.getUTCDay()) % 7));
const hour = (h: number) =>
  new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), h)).toISOString();

function post(body: object, key?: string) {
  return fetch(`${url}/api/v1/bookings`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...(key === undefined ? {} : { "idempotency-key": key }),
    },
    body: JSON.stringify(body),
  });
}

async function bookingsAt(start: string): Promise<number> {
  const { rows } = await scratch
    .pool()
    .query<{ n: number }>(
      "select count(*)::int as n from bookings where space_id = $1 and lower(during) = $2::timestamptz",
      [spaceId, start],
    );
  return rows[0]!.n;
}

describe("naive booking server, Idempotency-Key", () => {
  it("replays the first answer for the same request, and refuses another request with 422", async () => {
    const body = { spaceId, start: hour(9), end: hour(10) };
    const first = await post(body, "naive-key-1");
    expect(first.status).toBe(201);
    const booking = await first.json();

    const again = await post(body, "naive-key-1");
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(booking);

    const other = await post({ ...body, end: hour(11) }, "naive-key-1");
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("idempotency_key_reused");
    expect(await bookingsAt(hour(9))).toBe(1);
  });

  it("keeps a refusal: the same request with its key gets the 409 again", async () => {
    const body = { spaceId, start: hour(9), end: hour(10) };
    const refused = await post(body, "naive-key-2");
    expect(refused.status).toBe(409);
    const again = await post(body, "naive-key-2");
    expect(again.status).toBe(409);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
  });

  it("makes one booking of concurrent requests with one key, and answers each with it", async () => {
    const body = { spaceId, start: hour(14), end: hour(15) };
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(body, "naive-key-3")));
    const bodies = await Promise.all(answers.map(async (a) => (await a.json()) as { id: string }));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await bookingsAt(hour(14))).toBe(1);
  });

  it("books without a key as before", async () => {
    const answer = await post({ spaceId, start: hour(16), end: hour(17) });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("idempotent-replayed")).toBeNull();
  });
});
