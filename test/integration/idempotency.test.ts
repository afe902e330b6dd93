// Idempotency-Key: replay of the first answer, 409 while in flight, 422 for another request, scoping.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestApp, type JsonResponse, uniqueEmail } from "../support/test-app.ts";

const t = createTestApp();

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
    const body = {
      email: uniqueEmail(),
      password: "a-long-password",
      firstName: "A",
      lastName: "B",
      role: "driver",
    };
    // Hold the first request inside its transaction: a lock on users makes its insert wait.
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
      const duplicate = await c.post("/api/v1/auth/register", body, { "idempotency-key": key });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.error.code).toBe("idempotency_in_flight");
    } finally {
      await blocker.query("commit");
      blocker.release();
    }
    const created = await first!;
    expect(created.status).toBe(201);

    const retry = await c.post("/api/v1/auth/register", body, { "idempotency-key": key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.user.id).toBe(created.body.user.id);
    const { rows } = await t.deps.pool.query("select count(*)::int as n from users where email = $1", [
      body.email,
    ]);
    expect(rows[0].n).toBe(1);
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

describe("housekeeping", () => {
  it("purgeExpired removes expired keys and leaves live ones", async () => {
    const { purgeExpired } = await import("../../src/jobs/maintenance.ts");
    const scope = `test:${randomUUID()}`;
    await t.deps.pool.query(
      `insert into idempotency_keys (scope, key, request_hash, state, expires_at)
       values ($1, 'old', 'h', 'done', now() - interval '1 minute'), ($1, 'live', 'h', 'done', now() + interval '1 hour')`,
      [scope],
    );
    const purged = await purgeExpired(t.deps.pool);
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(1);
    const { rows } = await t.deps.pool.query(`select key from idempotency_keys where scope = $1`, [scope]);
    expect(rows.map((r) => r.key)).toEqual(["live"]);
  });
});
