// Bad input anywhere gets a 4xx with the error shape, never a 500, and writes nothing.
import { describe, expect, it } from "vitest";
import { createTestApp, expectErrorShape, uniqueEmail } from "../support/test-app.ts";

const t = createTestApp({ BODY_LIMIT_BYTES: "4096", AUTH_RATE_PER_IP_PER_MINUTE: "1000" });

// Every account this file tries to create uses this domain, so counts are not disturbed by other
// test files running at the same time.
const DOMAIN = "bad-input.test.parkealo.live";
const ip = "10.250.0.1";

async function counts() {
  const { rows } = await t.deps.pool.query(
    `select (select count(*) from users where email like $1)::int as users,
            (select count(*) from idempotency_keys where scope = $2)::int as keys,
            (select count(*) from refresh_tokens r join users u on u.id = r.user_id where u.email like $1)::int as tokens,
            (select count(*) from email_tokens e join users u on u.id = e.user_id where u.email like $1)::int as mails`,
    [`%@${DOMAIN}`, `ip:${ip}`],
  );
  return rows[0];
}

const validRegister = () => ({
  email: uniqueEmail().replace(/@.*/, `@${DOMAIN}`),
  password: "a-long-password",
  firstName: "A",
  lastName: "B",
  role: "driver",
});

type Case = {
  name: string;
  raw?: string;
  json?: unknown;
  contentType?: string;
  status: number;
  code: string;
};

const cases: Case[] = [
  { name: "malformed JSON", raw: '{"email": "a@b.c",', status: 400, code: "invalid_json" },
  { name: "a JSON array", raw: "[1,2]", status: 400, code: "validation_failed" },
  { name: "empty body", raw: "", status: 400, code: "invalid_json" },
  {
    name: "wrong types",
    json: { ...validRegister(), email: 5, password: true },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "unknown field",
    json: { ...validRegister(), isAdmin: true },
    status: 400,
    code: "validation_failed",
  },
  { name: "bad enum", json: { ...validRegister(), role: "admin" }, status: 400, code: "validation_failed" },
  { name: "missing field", json: { email: `someone@${DOMAIN}` }, status: 400, code: "validation_failed" },
  {
    name: "not an email",
    json: { ...validRegister(), email: "nope" },
    status: 400,
    code: "validation_failed",
  },
  {
    name: "huge body",
    json: { ...validRegister(), firstName: "x".repeat(10_000) },
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "text/plain body",
    raw: JSON.stringify(validRegister()),
    contentType: "text/plain",
    status: 415,
    code: "unsupported_media_type",
  },
];

describe("bad input on POST /auth/register", () => {
  for (const testCase of cases) {
    it(`${testCase.name} → ${testCase.status} ${testCase.code}, nothing written`, async () => {
      const before = await counts();
      const res = await t.client(ip).call("POST", "/api/v1/auth/register", {
        ...(testCase.json === undefined ? { raw: testCase.raw } : { json: testCase.json }),
        headers: {
          "content-type": testCase.contentType ?? "application/json",
          "idempotency-key": `bad-${testCase.name.replaceAll(" ", "-")}`,
        },
      });
      expect(res.status).toBe(testCase.status);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe(testCase.code);
      expect(await counts()).toEqual(before);
    });
  }

  it("names the offending fields", async () => {
    const res = await t
      .client()
      .post("/api/v1/auth/register", { ...validRegister(), isAdmin: true, email: 5 });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain("isAdmin");
    expect(JSON.stringify(res.body.error.details)).toContain("email");
  });
});

describe("bad input elsewhere", () => {
  it("authenticated routes refuse unknown fields and wrong types without writing", async () => {
    const { client } = await t.signUp();
    const before = (await client.get("/api/v1/users/profile")).body;
    for (const body of [{ email: "steal@x.y" }, { firstName: ["a"] }, { avatarUrl: "javascript:alert(1)" }]) {
      const res = await client.put("/api/v1/users/profile", body);
      expect(res.status).toBe(400);
      expectErrorShape(res.body);
    }
    expect((await client.get("/api/v1/users/profile")).body).toEqual(before);
  });

  it("query and path parameters are validated", async () => {
    const c = t.client();
    const noToken = await c.get("/api/v1/auth/verify-email");
    expect(noToken.status).toBe(400);
    expectErrorShape(noToken.body);
    const extra = await c.get("/api/v1/auth/verify-email?token=x&admin=1");
    expect(extra.status).toBe(400);
    const badId = await c.get("/api/v1/users/123");
    expect(badId.status).toBe(400);
    expectErrorShape(badId.body);
  });

  it("an unknown route is a 404 with the error shape", async () => {
    const res = await t.client().get("/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expectErrorShape(res.body);
  });

  it("a malformed Authorization header is 401 on a protected route", async () => {
    const res = await t.client().get("/api/v1/users/profile", { authorization: "Basic abc" });
    expect(res.status).toBe(401);
    expectErrorShape(res.body);
  });

  it("NUL in any text field is a 400 naming it, never a database error", async () => {
    const { client } = await t.signUp("driver", ip);
    const before = (await client.get("/api/v1/users/profile")).body;
    for (const body of [{ firstName: "A\u0000" }, { lastName: "\u0000" }, { bio: "a\u0000b" }]) {
      const res = await client.put("/api/v1/users/profile", body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expectErrorShape(res.body);
    }
    expect((await client.get("/api/v1/users/profile")).body).toEqual(before);
    const before2 = await counts();
    const register = await t
      .client(ip)
      .post("/api/v1/auth/register", { ...validRegister(), firstName: "A\u0000" });
    expect(register.status).toBe(400);
    expect(await counts()).toEqual(before2);
    expect((await t.client().get("/api/v1/search/suggestions?q=ab%00cd")).status).toBe(400);
    expect((await t.client().post("/api/v1/auth/logout", { refreshToken: "r\u0000" })).status).toBe(400);
  });
});
