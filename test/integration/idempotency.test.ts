// Idempotency-Key: replay of the first answer, 409 while in flight, 422 for another request, scoping,
// the skip option, the in-flight lease a dead gateway leaves behind, and kept answers sealed.
import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../gateway/http/app-env.ts";
import { onError } from "../../gateway/http/errors.ts";
import { idempotency } from "../../gateway/http/middleware/idempotency.ts";
import { claimKey } from "../../src/storage/idempotency-repository.ts";
import { createTestApp, expectErrorShape, type JsonResponse, uniqueEmail } from "../support/test-app.ts";

const LEASE_SECONDS = 5;
const t = createTestApp({ IDEMPOTENCY_LEASE_SECONDS: String(LEASE_SECONDS) });

function registration() {
  return { email: uniqueEmail(), password: "a-long-password", firstName: "A", lastName: "B", role: "driver" };
}

/**
 * Sends a registration under `key` and holds it inside its transaction (a lock on users makes its
 * insert wait) while `meanwhile` runs, its key claimed; then lets it finish and returns its answer.
 */
async function registerHeld(
  c: ReturnType<typeof t.client>,
  body: ReturnType<typeof registration>,
  key: string,
  meanwhile: () => Promise<void>,
): Promise<JsonResponse> {
  const blocker = await t.deps.pool.connect();
  let first: Promise<JsonResponse> | undefined;
  try {
    await blocker.query("begin");
    await blocker.query("lock table users in share row exclusive mode");
    first = c.post("/api/v1/auth/register", body, { "idempotency-key": key });
    await expect
      .poll(
        async () =>
          (await t.deps.pool.query("select 1 from idempotency_keys where key = $1", [key])).rowCount,
      )
      .toBe(1);
    await meanwhile();
  } finally {
    await blocker.query("commit");
    blocker.release();
  }
  return first!;
}

describe("Idempotency-Key", () => {
  it("replays the first answer without running the request again", async () => {
    const { client } = await t.signUp();
    const key = randomUUID();
    const first = await client.put("/api/v1/users/profile", { firstName: "One" }, { "idempotency-key": key });
    expect(first.status).toBe(200);
    expect((await client.put("/api/v1/users/profile", { firstName: "Two" })).status).toBe(200);

    const replay = await client.put(
      "/api/v1/users/profile",
      { firstName: "One" },
      { "idempotency-key": key },
    );
    expect(replay.status).toBe(200);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
    // The replay did not run the update again.
    expect((await client.get("/api/v1/users/profile")).body.firstName).toBe("Two");
  });

  it("answers 422 when the key comes back with another request", async () => {
    const { client } = await t.signUp();
    const key = randomUUID();
    await client.put("/api/v1/users/profile", { firstName: "One" }, { "idempotency-key": key });
    const other = await client.put(
      "/api/v1/users/profile",
      { firstName: "Other" },
      { "idempotency-key": key },
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect((await client.get("/api/v1/users/profile")).body.firstName).toBe("One");
  });

  it("answers 409 to a concurrent duplicate while the first is in flight, then replays it", async () => {
    const c = t.client();
    const key = randomUUID();
    const body = registration();
    const created = await registerHeld(c, body, key, async () => {
      const duplicate = await c.post("/api/v1/auth/register", body, { "idempotency-key": key });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.error.code).toBe("idempotency_in_flight");
    });
    expect(created.status).toBe(202);

    const retry = await c.post("/api/v1/auth/register", body, { "idempotency-key": key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(created.body);
    const { rows } = await t.deps.pool.query("select count(*)::int as n from users where email = $1", [
      body.email,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it("keeps the key of a request running longer than a lease: its gateway renews the claim", async () => {
    const c = t.client();
    const key = randomUUID();
    const body = registration();
    const created = await registerHeld(c, body, key, async () => {
      await sleep(LEASE_SECONDS * 1000 + 500);
      const duplicate = await c.post("/api/v1/auth/register", body, { "idempotency-key": key });
      expect(duplicate.status).toBe(409);
      expect(Number(duplicate.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    });
    expect(created.status).toBe(202);
  });

  it("keys are per caller: another user's same key runs their own request", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const key = randomUUID();
    await alice.client.put("/api/v1/users/profile", { firstName: "Alice" }, { "idempotency-key": key });
    const res = await bob.client.put(
      "/api/v1/users/profile",
      { firstName: "Alice" },
      { "idempotency-key": key },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
    expect(res.body.id).toBe(bob.userId);
  });

  it("does not keep a rejected request: the corrected retry with the same key runs", async () => {
    const { client } = await t.signUp();
    const key = randomUUID();
    const bad = await client.put("/api/v1/users/profile", { firstName: 42 }, { "idempotency-key": key });
    expect(bad.status).toBe(400);
    const good = await client.put(
      "/api/v1/users/profile",
      { firstName: "Fixed" },
      { "idempotency-key": key },
    );
    expect(good.status).toBe(200);
    expect(good.body.firstName).toBe("Fixed");
  });

  it("refuses a malformed key", async () => {
    const { client } = await t.signUp();
    const res = await client.put(
      "/api/v1/users/profile",
      { firstName: "X" },
      { "idempotency-key": "has spaces" },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("idempotency_key_invalid");
  });

  it("forgets keys after their time: an expired key runs the request again", async () => {
    const { client, userId } = await t.signUp();
    const key = randomUUID();
    await client.put("/api/v1/users/profile", { firstName: "First" }, { "idempotency-key": key });
    await client.put("/api/v1/users/profile", { firstName: "Changed" });
    await t.deps.pool.query(
      `update idempotency_keys set expires_at = now() - interval '1 second' where scope = $1 and key = $2`,
      [`user:${userId}`, key],
    );
    const again = await client.put(
      "/api/v1/users/profile",
      { firstName: "First" },
      { "idempotency-key": key },
    );
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect((await client.get("/api/v1/users/profile")).body.firstName).toBe("First");
  });
});

describe("skip", () => {
  it("leaves the routes it names to their own idempotency and keeps every other route's", async () => {
    const runs = { own: 0, kept: 0 };
    const app = new Hono<AppEnv>();
    app.onError(onError);
    app.use(async (c, next) => {
      c.set("logger", t.deps.logger);
      await next();
    });
    app.use(
      idempotency(t.deps.pool, {
        ttlHours: 1,
        leaseSeconds: LEASE_SECONDS,
        sealingSecret: t.config.JWT_SECRET,
        trustProxy: 0,
        skip: (method, path) => method === "POST" && path === "/own",
      }),
    );
    app.post("/own", (c) => c.json({ run: ++runs.own }, 201));
    app.post("/kept", (c) => c.json({ run: ++runs.kept }, 201));
    const headers = { "idempotency-key": randomUUID() };
    for (let i = 0; i < 2; i++) {
      await app.request("/own", { method: "POST", headers });
      await app.request("/kept", { method: "POST", headers });
    }
    expect(runs).toEqual({ own: 2, kept: 1 });
  });
});

describe("a claim whose gateway died", () => {
  it("blocks retries for its lease with 409 and Retry-After, then the retry runs and is replayed", async () => {
    const { client, userId } = await t.signUp();
    const path = "/api/v1/users/profile";
    const body = { firstName: "Leased" };
    const [key, otherKey] = [randomUUID(), randomUUID()];
    // Two gateways claimed keys for this request and died before answering: their claims stay in flight.
    const requestHash = createHash("sha256")
      .update(`PUT ${path}\n${JSON.stringify(body)}`)
      .digest("hex");
    for (const k of [key, otherKey]) {
      await claimKey(t.deps.pool, {
        scope: `user:${userId}`,
        key: k,
        leaseId: randomUUID(),
        requestHash,
        leaseSeconds: t.config.IDEMPOTENCY_LEASE_SECONDS,
        ttlHours: t.config.IDEMPOTENCY_TTL_HOURS,
      });
    }

    const blocked = await client.put(path, body, { "idempotency-key": key });
    expect(blocked.status).toBe(409);
    expectErrorShape(blocked.body);
    expect(blocked.body.error.code).toBe("idempotency_in_flight");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(LEASE_SECONDS);
    expect((await client.get(path)).body.firstName).toBe("Test");

    // A client that honours Retry-After gets the real answer once the lease has passed.
    let retry = blocked;
    const giveUpAt = Date.now() + (LEASE_SECONDS + 5) * 1000;
    while (retry.status === 409 && Date.now() < giveUpAt) {
      await sleep(Number(retry.headers.get("retry-after")) * 1000);
      retry = await client.put(path, body, { "idempotency-key": key });
    }
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.body.firstName).toBe("Leased");

    const third = await client.put(path, body, { "idempotency-key": key });
    expect(third.status).toBe(200);
    expect(third.headers.get("idempotent-replayed")).toBe("true");
    expect(third.body).toEqual(retry.body);

    // A passed lease frees the key for the same request only: another request is still refused.
    const other = await client.put(path, { firstName: "Other" }, { "idempotency-key": otherKey });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
  });
});

describe("answers that carry tokens", () => {
  it("are not readable from the store, and their retries replay a working session", async () => {
    const c = t.client();
    /** Sends the call twice under one key; the second must replay the first. Returns the replayed body. */
    async function sendTwice(path: string, body: unknown, status: number) {
      const key = randomUUID();
      const first = await c.post(path, body, { "idempotency-key": key });
      expect(first.status).toBe(status);
      const retry = await c.post(path, body, { "idempotency-key": key });
      expect(retry.status).toBe(status);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect(retry.body).toEqual(first.body);
      return retry.body;
    }
    const account = { email: uniqueEmail(), password: "a-long-password" };
    await sendTwice(
      "/api/v1/auth/register",
      { ...account, firstName: "Sealed", lastName: "Answers", role: "driver" },
      202,
    );
    const loggedIn = await sendTwice("/api/v1/auth/login", account, 200);
    const refreshed = await sendTwice("/api/v1/auth/refresh", { refreshToken: loggedIn.refreshToken }, 200);
    c.setToken(refreshed.accessToken);
    const host = await sendTwice("/api/v1/users/become-host", undefined, 200);
    expect(host.user.roles).toContain("host");

    const tokens = [loggedIn, refreshed, host].flatMap((s) => [s.accessToken, s.refreshToken]);
    for (const token of tokens) expect(token).toEqual(expect.any(String));
    const { rows } = await t.deps.pool.query<{ row: string }>(
      `select k::text as row from idempotency_keys k`,
    );
    for (const { row } of rows) {
      for (const token of tokens) expect(row).not.toContain(token);
    }

    // The refresh's retry was no reuse: the replayed refresh token works, once.
    const again = await t.client().post("/api/v1/auth/refresh", { refreshToken: refreshed.refreshToken });
    expect(again.status).toBe(200);
    const reused = await t.client().post("/api/v1/auth/refresh", { refreshToken: refreshed.refreshToken });
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe("refresh_token_reused");
  });
});

describe("a kept answer sealed under another server secret", () => {
  it("counts as gone: the retry runs again rather than failing", async () => {
    const rotated = createTestApp({ JWT_SECRET: "a-rotated-secret-of-at-least-32-characters" });
    const { email, password, client } = await t.signUp();
    const key = randomUUID();
    const first = await client.post("/api/v1/auth/login", { email, password }, { "idempotency-key": key });
    expect(first.status).toBe(200);
    const retry = await rotated
      .client(client.ip)
      .post("/api/v1/auth/login", { email, password }, { "idempotency-key": key });
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(retry.body.refreshToken).not.toBe(first.body.refreshToken);
  });
});

describe("housekeeping", () => {
  it("purgeExpired removes expired keys and leaves live ones", async () => {
    const { purgeExpired } = await import("../../src/jobs/maintenance.ts");
    const scope = `test:${randomUUID()}`;
    await t.deps.pool.query(
      `insert into idempotency_keys (scope, key, request_hash, state, expires_at)
       values ($1, 'old', 'h', 'done', now() - interval '1 minute'), ($1, 'live', 'h', 'done', now() + interval '1 hour')`,
      [scope],
    );
    const purged = await purgeExpired(t.deps.pool, { outboxRetentionDays: 7 });
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(1);
    const { rows } = await t.deps.pool.query(`select key from idempotency_keys where scope = $1`, [scope]);
    expect(rows.map((r) => r.key)).toEqual(["live"]);
  });
});
