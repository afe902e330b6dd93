// The Stripe settings: key and secret formats, the local server's URL refused in production, and the
// SDK client the factory makes from them.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { createStripeClient, StripeNotConfigured } from "../../src/payments/stripe-client.ts";

const strongSecret = () => randomBytes(48).toString("base64");

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  return "";
}

describe("Stripe settings", () => {
  it("are unset by default and take test or live secret keys and whsec_ secrets", () => {
    const none = loadConfig({ NODE_ENV: "development" });
    expect([none.STRIPE_SECRET_KEY, none.STRIPE_API_URL, none.STRIPE_WEBHOOK_SECRET]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const local = loadConfig({
      NODE_ENV: "development",
      STRIPE_SECRET_KEY: "sk_test_abc123",
      STRIPE_API_URL: "http://127.0.0.1:12111",
      STRIPE_WEBHOOK_SECRET: "whsec_abc123",
    });
    expect(local.STRIPE_API_URL).toBe("http://127.0.0.1:12111");
    expect(refusal({ NODE_ENV: "development", STRIPE_SECRET_KEY: "pk_test_abc" })).toMatch(
      /STRIPE_SECRET_KEY: must be a Stripe secret key/,
    );
    expect(refusal({ NODE_ENV: "development", STRIPE_WEBHOOK_SECRET: "secret" })).toMatch(
      /STRIPE_WEBHOOK_SECRET: must be a webhook signing secret/,
    );
    expect(refusal({ NODE_ENV: "development", STRIPE_API_URL: "ftp://x" })).toMatch(/STRIPE_API_URL/);
  });

  it("never send a live key to a local server", () => {
    expect(
      refusal({
        NODE_ENV: "development",
        STRIPE_SECRET_KEY: "sk_live_abc",
        STRIPE_API_URL: "http://127.0.0.1:1",
      }),
    ).toMatch(/STRIPE_SECRET_KEY: a live key is never sent to STRIPE_API_URL/);
  });

  it("refuse the local server's URL in production, and take Stripe's keys there", () => {
    const base = { NODE_ENV: "production", JWT_SECRET: strongSecret() };
    expect(
      refusal({ ...base, STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_API_URL: "http://127.0.0.1:12111" }),
    ).toMatch(/STRIPE_API_URL: must be unset in production/);
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: "sk_live_abc" }).STRIPE_SECRET_KEY).toBe("sk_live_abc");
    expect(loadConfig({ ...base, STRIPE_SECRET_KEY: "sk_test_abc" }).STRIPE_SECRET_KEY).toBe("sk_test_abc");
  });

  it("make a client for the local server when STRIPE_API_URL is set, for Stripe otherwise", () => {
    const local = createStripeClient({
      STRIPE_SECRET_KEY: "sk_test_abc",
      STRIPE_API_URL: "http://127.0.0.1:12111",
    });
    expect([local.getApiField("host"), local.getApiField("port"), local.getApiField("protocol")]).toEqual([
      "127.0.0.1",
      "12111",
      "http",
    ]);
    const real = createStripeClient({ STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_API_URL: undefined });
    expect([real.getApiField("host"), real.getApiField("protocol")]).toEqual(["api.stripe.com", "https"]);
    expect(() => createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_URL: undefined })).toThrow(
      StripeNotConfigured,
    );
  });
});
