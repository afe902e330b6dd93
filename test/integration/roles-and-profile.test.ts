// Role checks (driver vs host vs admin), profile, preferences and public profiles.
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();

async function adminClient() {
  const admin = await t.signUp("driver");
  await t.deps.pool.query(`insert into user_roles (user_id, role) values ($1, 'admin')`, [admin.userId]);
  const login = await t.client().post("/api/v1/auth/login", { email: admin.email, password: admin.password });
  admin.client.setToken(login.body.accessToken);
  return admin;
}

describe("role checks", () => {
  it("a driver and a host get 403 on an admin route; an admin gets through", async () => {
    const driver = await t.signUp("driver");
    const host = await t.signUp("host");
    const path = `/api/v1/admin/users/${driver.userId}/roles`;
    for (const who of [driver, host]) {
      const res = await who.client.put(path, { roles: ["driver", "host"] });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const admin = await adminClient();
    const ok = await admin.client.put(path, { roles: ["host"] });
    expect(ok.status).toBe(200);
    expect(ok.body.roles).toEqual(["driver", "host"]);
  });

  it("no token is 401, not 403", async () => {
    const res = await t.client().put(`/api/v1/admin/users/00000000-0000-4000-8000-000000000000/roles`, {
      roles: ["host"],
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthenticated");
  });

  it("an expired access token is 401 token_expired; a tampered one 401 unauthenticated", async () => {
    const { client, userId } = await t.signUp();
    const key = new TextEncoder().encode(t.config.JWT_SECRET);
    const expired = await new SignJWT({ roles: ["driver"], typ: "access" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(userId)
      .setIssuer("parkealo-live")
      .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key);
    client.setToken(expired);
    const res = await client.get("/api/v1/users/profile");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("token_expired");

    // Claims changed after signing (here: admin added) fail the signature check.
    const valid = await t.deps.accessTokens.sign({ userId, roles: ["driver"] });
    const [header, payload, signature] = valid.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    claims.roles = ["driver", "admin"];
    client.setToken(`${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`);
    const tampered = await client.get("/api/v1/users/profile");
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.code).toBe("unauthenticated");
  });

  it("become-host adds the host role and answers a token that carries it", async () => {
    const driver = await t.signUp("driver");
    const res = await driver.client.post("/api/v1/users/become-host");
    expect(res.status).toBe(200);
    expect(res.body.user.roles).toEqual(["driver", "host"]);
    driver.client.setToken(res.body.accessToken);
    expect((await driver.client.get("/api/v1/users/profile")).body.roles).toEqual(["driver", "host"]);
  });
});

describe("profile and preferences", () => {
  it("reads and updates only the fields sent", async () => {
    const { client } = await t.signUp();
    const res = await client.put("/api/v1/users/profile", { firstName: "Lucía", phone: "+34600111222" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ firstName: "Lucía", lastName: "User", phone: "+34600111222" });
    const bad = await client.put("/api/v1/users/profile", { phone: "600 111 222" });
    expect(bad.status).toBe(400);
    expect((await client.get("/api/v1/users/profile")).body.phone).toBe("+34600111222");
  });

  it("has default preferences and keeps changes", async () => {
    const { client } = await t.signUp();
    const defaults = await client.get("/api/v1/users/preferences");
    expect(defaults.body).toMatchObject({
      emailNotifications: true,
      smsNotifications: false,
      currency: "EUR",
    });
    const changed = await client.post("/api/v1/users/preferences", {
      smsNotifications: true,
      timezone: "Europe/Madrid",
    });
    expect(changed.status).toBe(200);
    expect((await client.get("/api/v1/users/preferences")).body).toMatchObject({
      smsNotifications: true,
      timezone: "Europe/Madrid",
      emailNotifications: true,
    });
    const badZone = await client.post("/api/v1/users/preferences", { timezone: "Mars/Olympus" });
    expect(badZone.status).toBe(400);
  });

  it("shows other users only public fields", async () => {
    const host = await t.signUp("host");
    const viewer = t.client();
    const res = await viewer.get(`/api/v1/users/${host.userId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: host.userId, firstName: "Test", lastInitial: "U.", isHost: true });
    expect(res.body).not.toHaveProperty("email");
    expect(res.body).not.toHaveProperty("phone");
    expect((await viewer.get("/api/v1/users/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await viewer.get("/api/v1/users/not-a-uuid")).status).toBe(400);
  });
});
