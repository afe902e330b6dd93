// Register, login, refresh rotation, reuse revocation and logout against real PostgreSQL + Redis.
import { describe, expect, it } from "vitest";
import { createTestApp, expectErrorShape, uniqueEmail } from "../support/test-app.ts";
import { testInbox } from "../support/test-inbox.ts";

const t = createTestApp();
const inbox = testInbox();

describe("register", () => {
  it("creates a driver, answers without tokens, and the account logs in before it is verified", async () => {
    const c = t.client();
    const email = uniqueEmail("Mixed.Case");
    const password = "a-long-password";
    const res = await c.post("/api/v1/auth/register", {
      email,
      password,
      firstName: "Ana",
      lastName: "García",
      role: "driver",
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: "check_your_email" });
    const login = await c.post("/api/v1/auth/login", { email, password });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({
      id: expect.any(String),
      email: email.toLowerCase(),
      roles: ["driver"],
    });
    expect(login.body.accessToken.split(".")).toHaveLength(3);
    expect(login.body.refreshToken.length).toBeGreaterThan(30);
  });

  it("makes a host a driver too", async () => {
    const { session } = await t.signUp("host");
    expect(session.user.roles).toEqual(["driver", "host"]);
  });

  it("answers the same status and body for a new and an existing email (no enumeration)", async () => {
    const registration = (email: string) => ({
      email,
      password: "another-password",
      firstName: "B",
      lastName: "C",
      role: "driver",
    });
    const { email, password } = await t.signUp();
    const fresh = await t.client().post("/api/v1/auth/register", registration(uniqueEmail()));
    const taken = await t.client().post("/api/v1/auth/register", registration(email.toUpperCase()));
    expect(taken.status).toBe(fresh.status);
    expect(taken.body).toEqual(fresh.body);
    // The existing account is untouched: its own password still works, the new one does not.
    expect((await t.client().post("/api/v1/auth/login", { email, password })).status).toBe(200);
    const other = await t.client().post("/api/v1/auth/login", { email, password: "another-password" });
    expect(other.status).toBe(401);
    expectErrorShape(other.body);
    const { rows } = await t.deps.pool.query("select count(*)::int as n from users where email = $1", [
      email,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it("mails an existing account's owner that someone tried to register, not a new link", async () => {
    const { email } = await t.signUp();
    await t.deps.background.drain();
    await t.client().post("/api/v1/auth/register", {
      email,
      password: "another-password",
      firstName: "B",
      lastName: "C",
      role: "driver",
    });
    const [warning] = await inbox.waitFor(email, { subject: /tried to register/i });
    expect(warning!.text).toContain(`${t.config.PUBLIC_URL}/reset-password`);
    await t.deps.background.drain();
    expect((await inbox.list(email)).filter((m) => /confirm/i.test(m.subject))).toHaveLength(1);
  });

  it("stores the password hashed with argon2id", async () => {
    const { userId } = await t.signUp();
    const { rows } = await t.deps.pool.query("select password_hash from users where id = $1", [userId]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe("login", () => {
  it("answers a session for the right password and 401 for a wrong one", async () => {
    const { email, password } = await t.signUp();
    const ok = await t.client().post("/api/v1/auth/login", { email, password });
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(email);
    const wrong = await t.client().post("/api/v1/auth/login", { email, password: "not-the-password" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("invalid_credentials");
    const unknown = await t.client().post("/api/v1/auth/login", { email: uniqueEmail(), password });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe("invalid_credentials");
  });

  it("gives an access token that opens the profile", async () => {
    const { client, email } = await t.signUp();
    const profile = await client.get("/api/v1/users/profile");
    expect(profile.status).toBe(200);
    expect(profile.body.email).toBe(email);
    client.setToken("not-a-jwt");
    const bad = await client.get("/api/v1/users/profile");
    expect(bad.status).toBe(401);
    expectErrorShape(bad.body);
  });
});

describe("refresh tokens", () => {
  it("rotate: each refresh answers a new pair and the new refresh token works", async () => {
    const { session } = await t.signUp();
    const c = t.client();
    const first = await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(session.refreshToken);
    const second = await c.post("/api/v1/auth/refresh", { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
    c.setToken(second.body.accessToken);
    expect((await c.get("/api/v1/users/profile")).status).toBe(200);
  });

  it("reuse of a used token revokes the whole family", async () => {
    const { session } = await t.signUp();
    const c = t.client();
    const rotated = await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    expect(rotated.status).toBe(200);
    // An attacker replays the old token …
    const reuse = await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe("refresh_token_reused");
    // … and the legitimate holder's newer token is dead too.
    const after = await c.post("/api/v1/auth/refresh", { refreshToken: rotated.body.refreshToken });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("refresh_token_reused");
  });

  it("two concurrent refreshes with one token: at most one wins", async () => {
    const { session } = await t.signUp();
    const c = t.client();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })),
    );
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(4);
  });

  it("logins are separate families: reuse in one leaves the other alive", async () => {
    const { email, password, session } = await t.signUp();
    const c = t.client();
    const other = await c.post("/api/v1/auth/login", { email, password });
    await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken }); // reuse → family 1 revoked
    const otherRefresh = await c.post("/api/v1/auth/refresh", { refreshToken: other.body.refreshToken });
    expect(otherRefresh.status).toBe(200);
  });

  it("refuses an unknown token", async () => {
    const res = await t.client().post("/api/v1/auth/refresh", { refreshToken: "made-up-token" });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("invalid_token");
  });
});

describe("logout", () => {
  it("ends the session: its refresh token no longer works", async () => {
    const { session } = await t.signUp();
    const c = t.client();
    const out = await c.post("/api/v1/auth/logout", { refreshToken: session.refreshToken });
    expect(out.status).toBe(204);
    const res = await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    expect(res.status).toBe(401);
  });

  it("ends the rotated descendants of the session too", async () => {
    const { session } = await t.signUp();
    const c = t.client();
    const rotated = await c.post("/api/v1/auth/refresh", { refreshToken: session.refreshToken });
    await c.post("/api/v1/auth/logout", { refreshToken: rotated.body.refreshToken });
    const res = await c.post("/api/v1/auth/refresh", { refreshToken: rotated.body.refreshToken });
    expect(res.status).toBe(401);
  });
});
