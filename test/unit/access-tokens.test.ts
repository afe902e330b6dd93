// Access-token checks without jose on the request path: what jose signs is accepted, and every
// token jose's jwtVerify would refuse (tampered, other key, other algorithm, crit header, other
// issuer, not yet valid, expired, malformed) is refused here too, with the same error codes.
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccessTokens } from "../../src/auth/access-tokens.ts";

const SECRET = "a-test-secret-of-at-least-thirty-two-characters";
const tokens = new AccessTokens(SECRET, 600);
const userId = "4f1c2b8e-9d7a-4e3b-8c6f-2a1d0e9b7c5a";
const sessionId = "7d2e1f0a-3b4c-4d5e-8f6a-9b0c1d2e3f4a";
const now = () => Math.floor(Date.now() / 1000);

function forge(
  options: { header?: Record<string, unknown>; claims?: Record<string, unknown>; secret?: string } = {},
) {
  const jwt = new SignJWT({
    roles: ["driver"],
    typ: "access",
    sid: sessionId,
    sub: userId,
    iss: "parkealo-live",
    iat: now(),
    exp: now() + 60,
    ...options.claims,
  }).setProtectedHeader({ alg: "HS256", ...options.header } as { alg: string });
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

const refusal = (token: string) => tokens.verify(token).catch((e: { code: string; status: number }) => e);

describe("AccessTokens.verify", () => {
  it("accepts what it signs, with the user id, roles, session id and expiry", async () => {
    const token = await tokens.sign({ userId, roles: ["driver", "host"], sessionId });
    const claims = await tokens.verify(token);
    expect(claims).toEqual({ userId, roles: ["driver", "host"], sessionId, expiresAt: expect.any(Number) });
    expect(claims.expiresAt - now()).toBeGreaterThan(590);
    expect(claims.expiresAt - now()).toBeLessThanOrEqual(600);
    // The forged variants below differ from this accepted one in one thing each.
    await expect(tokens.verify(await forge())).resolves.toMatchObject({
      userId,
      roles: ["driver"],
      sessionId,
    });
  });

  it("gives a token signed outside a login session a session of its own, and refuses one without sid", async () => {
    const [a, b] = await Promise.all([
      tokens.verify(await tokens.sign({ userId, roles: ["driver"] })),
      tokens.verify(await tokens.sign({ userId, roles: ["driver"] })),
    ]);
    expect(a.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(await refusal(await forge({ claims: { sid: undefined } }))).toMatchObject({
      code: "unauthenticated",
      status: 401,
    });
  });

  it("refuses an expired token with token_expired", async () => {
    const token = await forge({ claims: { exp: now() - 1 } });
    expect(await refusal(token)).toMatchObject({ code: "token_expired", status: 401 });
  });

  it("refuses tampered, foreign, wrongly made and malformed tokens with unauthenticated", async () => {
    const valid = await tokens.sign({ userId, roles: ["driver"] });
    const [header, payload, signature] = valid.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ["admin"] })).toString("base64url")}.${signature}`;
    const none = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
    const candidates = [
      tampered,
      none,
      `${header}.${payload}`,
      `${valid}.x`,
      "not-a-token",
      `${header}.${payload}.${signature!.slice(0, -2)}`,
      await forge({ secret: "another-secret-of-at-least-thirty-two-chars" }),
      await forge({ header: { alg: "HS512" } }),
      await forge({ header: { crit: ["b64"], b64: true } }),
      await forge({ claims: { iss: "someone-else" } }),
      await forge({ claims: { nbf: now() + 120 } }),
      await forge({ claims: { typ: "refresh" } }),
      await forge({ claims: { sub: "not-a-uuid" } }),
      await forge({ claims: { exp: "tomorrow" } }),
    ];
    for (const token of candidates) {
      expect(await refusal(token), token).toMatchObject({ code: "unauthenticated", status: 401 });
    }
  });

  describe("a token checked before (remembered)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it("is refused with token_expired once its expiry passes, and before nbf as before", async () => {
      const shortLived = new AccessTokens(SECRET, 60);
      const token = await shortLived.sign({ userId, roles: ["driver"] });
      await expect(shortLived.verify(token)).resolves.toMatchObject({ userId, roles: ["driver"] });
      vi.useFakeTimers({ now: Date.now() + 61_000 });
      expect(await shortLived.verify(token).catch((e) => e)).toMatchObject({ code: "token_expired" });
    });

    it("does not vouch for a token that differs from it in any byte", async () => {
      const token = await tokens.sign({ userId, roles: ["driver"] });
      await expect(tokens.verify(token)).resolves.toMatchObject({ userId, roles: ["driver"] });
      // A character inside the signature (the last one carries unused bits).
      const at = token.length - 5;
      const changed = `${token.slice(0, at)}${token[at] === "A" ? "B" : "A"}${token.slice(at + 1)}`;
      expect(await refusal(changed)).toMatchObject({ code: "unauthenticated" });
      expect(await refusal(`${token} `)).toMatchObject({ code: "unauthenticated" });
    });

    it("hands out its own copy of the roles each time", async () => {
      const token = await tokens.sign({ userId, roles: ["driver"] });
      const first = await tokens.verify(token);
      first.roles.push("admin");
      await expect(tokens.verify(token)).resolves.toMatchObject({ userId, roles: ["driver"] });
    });
  });
});
