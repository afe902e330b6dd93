// Sealed idempotent answers: only the answer key of the same scope, Idempotency-Key and request opens them.
import { describe, expect, it } from "vitest";
import {
  answerKeyHmac,
  answerSealingKey,
  openAnswer,
  sealAnswer,
} from "../../gateway/http/sealed-answers.ts";

const secret = "a-server-secret-of-at-least-32-characters";

function answerKey(options: { secret?: string; scope?: string; key?: string; body?: string } = {}) {
  return answerKeyHmac(
    answerSealingKey(options.secret ?? secret),
    options.scope ?? "ip:10.0.0.1",
    options.key ?? "k1",
  )
    .update(`POST /api/v1/auth/refresh\n${options.body ?? '{"refreshToken":"r1"}'}`)
    .digest();
}

describe("sealed answers", () => {
  const body = '{"accessToken":"eyJ.secret","refreshToken":"opaque-refresh-token"}';

  it("open with the key of the same request, and hide the body", () => {
    const sealed = sealAnswer(answerKey(), body);
    expect(openAnswer(answerKey(), sealed)).toBe(body);
    expect(sealed).not.toContain("opaque-refresh-token");
    expect(Buffer.from(sealed, "base64").toString("latin1")).not.toContain("opaque-refresh-token");
    expect(sealAnswer(answerKey(), body)).not.toBe(sealed);
  });

  it("do not open under another secret, scope, key or body", () => {
    const sealed = sealAnswer(answerKey(), body);
    for (const other of [
      { secret: "another-server-secret-of-32-characters!" },
      { scope: "ip:10.0.0.2" },
      { key: "k2" },
      { body: '{"refreshToken":"r2"}' },
    ]) {
      expect(openAnswer(answerKey(other), sealed)).toBeUndefined();
    }
  });

  it("do not open once altered or cut short", () => {
    const bytes = Buffer.from(sealAnswer(answerKey(), body), "base64");
    bytes[bytes.length - 1]! ^= 1;
    expect(openAnswer(answerKey(), bytes.toString("base64"))).toBeUndefined();
    expect(openAnswer(answerKey(), bytes.subarray(0, 20).toString("base64"))).toBeUndefined();
  });
});
