// Rate limits on auth routes: per client address (the X-Forwarded-For hop TRUST_PROXY names), and per
// account after failed logins (429), counted before the password is judged.
import { describe, expect, it } from "vitest";
import { createTestApp, randomIp, uniqueEmail } from "../support/test-app.ts";

const t = createTestApp({ AUTH_RATE_PER_IP_PER_MINUTE: "5", LOGIN_FAILURES_PER_ACCOUNT: "3" });

describe("per address", () => {
  it("the sixth auth call in a minute from one address is 429 with Retry-After; other addresses pass", async () => {
    const c = t.client(randomIp());
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await c.post("/api/v1/auth/login", { email: uniqueEmail(), password: "whatever-pass" })).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await c.post("/api/v1/auth/login", { email: uniqueEmail(), password: "whatever-pass" });
    expect(statuses[5]).toBe(429);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const other = await t
      .client(randomIp())
      .post("/api/v1/auth/login", { email: uniqueEmail(), password: "x-password" });
    expect(other.status).toBe(401);
  });

  it("a spoofed left-most X-Forwarded-For entry does not change the address that is counted", async () => {
    const real = randomIp();
    const c = t.client(real);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await c.call("POST", "/api/v1/auth/login", {
        json: { email: uniqueEmail(), password: "whatever-pass" },
        headers: { "x-forwarded-for": `${randomIp()}, ${real}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});

describe("per account", () => {
  it("after 3 failed logins from anywhere, even the right password gets 429; other accounts are unaffected", async () => {
    const victim = await t.signUp();
    const bystander = await t.signUp();
    for (let i = 0; i < 3; i++) {
      const res = await t
        .client()
        .post("/api/v1/auth/login", { email: victim.email, password: "wrong-password" });
      expect(res.status).toBe(401);
    }
    const locked = await t
      .client()
      .post("/api/v1/auth/login", { email: victim.email, password: victim.password });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    const fine = await t
      .client()
      .post("/api/v1/auth/login", { email: bystander.email, password: bystander.password });
    expect(fine.status).toBe(200);
  });

  it("40 concurrent wrong passwords: at most the limit are judged (401), the rest 429 with Retry-After", async () => {
    const victim = await t.signUp();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.client().post("/api/v1/auth/login", { email: victim.email, password: "wrong-password" }),
      ),
    );
    const judged = answers.filter((res) => res.status === 401);
    const limited = answers.filter((res) => res.status === 429);
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.length).toBeLessThanOrEqual(3);
    expect(judged.length + limited.length).toBe(40);
    for (const res of limited) {
      expect(res.body.error.code).toBe("rate_limited");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  });

  it("a successful login clears earlier failures", async () => {
    const user = await t.signUp();
    for (let i = 0; i < 2; i++) {
      await t.client().post("/api/v1/auth/login", { email: user.email, password: "wrong-password" });
    }
    expect(
      (await t.client().post("/api/v1/auth/login", { email: user.email, password: user.password })).status,
    ).toBe(200);
    for (let i = 0; i < 2; i++) {
      await t.client().post("/api/v1/auth/login", { email: user.email, password: "wrong-password" });
    }
    expect(
      (await t.client().post("/api/v1/auth/login", { email: user.email, password: user.password })).status,
    ).toBe(200);
  });
});
