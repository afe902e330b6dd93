// One-click unsubscribe tokens: they name a user and a kind, and only this service's secret makes them.
import { describe, expect, it } from "vitest";
import {
  readUnsubscribeToken,
  unsubscribeToken,
  unsubscribeUrl,
} from "../../src/notifications/unsubscribe-links.ts";

const secret = "a-secret-of-at-least-thirty-two-characters";
const userId = "0b7e4a1c-5d2f-4f3a-9c1e-2a3b4c5d6e7f";

describe("unsubscribe tokens", () => {
  it("reads back the user and kind it was made for", () => {
    const token = unsubscribeToken(secret, userId, "booking_extended");
    expect(readUnsubscribeToken(secret, token)).toEqual({ userId, kind: "booking_extended" });
    expect(unsubscribeUrl("https://parkealo.example", token)).toBe(
      `https://parkealo.example/api/v1/notifications/unsubscribe?token=${token}`,
    );
  });

  it("refuses another secret's token, a changed payload and malformed input", () => {
    const token = unsubscribeToken(secret, userId, "booking_extended");
    expect(readUnsubscribeToken(`${secret}x`, token)).toBeNull();
    const [, signature] = token.split(".");
    const otherKind = Buffer.from(`${userId}.booking_started`).toString("base64url");
    expect(readUnsubscribeToken(secret, `${otherKind}.${signature}`)).toBeNull();
    for (const bad of ["", ".", "a.b.c", "nodot", `${token}x`])
      expect(readUnsubscribeToken(secret, bad)).toBeNull();
  });
});
