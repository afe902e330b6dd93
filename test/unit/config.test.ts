// Config from the environment: safe defaults, and a bad value stops with a message naming the variable.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.ts";

describe("loadConfig", () => {
  it("has local defaults for everything", () => {
    const config = loadConfig({});
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(config.DEV_MAILBOX).toBe(true);
    expect(config.TRUST_PROXY).toBe(0);
    expect(config.BOOKING_HORIZON_DAYS).toBe(365);
    expect(config.BOOKING_COMMANDS_PER_MINUTE).toBe(60);
    expect(config.BOOKING_PENDING_PER_DRIVER).toBe(5);
  });

  it("coerces numbers and flags", () => {
    const config = loadConfig({ HTTP_PORT: "8080", TRUST_PROXY: "true", DEV_MAILBOX: "0" });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "3" }).TRUST_PROXY).toBe(3);
    expect(loadConfig({ TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY: "17" })).toThrow(/TRUST_PROXY/);
    expect(config.DEV_MAILBOX).toBe(false);
  });

  it("names every bad variable", () => {
    const error = (() => {
      try {
        loadConfig({ HTTP_PORT: "eighty", REDIS_URL: "http://x", TRUST_PROXY: "maybe" });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["HTTP_PORT", "REDIS_URL", "TRUST_PROXY"]) expect(message).toContain(name);
  });

  it("refuses the development JWT secret in production, and a short one anywhere", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ JWT_SECRET: "short" })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40) }).DEV_MAILBOX).toBe(false);
  });

  it("keeps the idempotency lease between 5 s and 5 min", () => {
    expect(loadConfig({}).IDEMPOTENCY_LEASE_SECONDS).toBe(30);
    expect(loadConfig({ IDEMPOTENCY_LEASE_SECONDS: "5" }).IDEMPOTENCY_LEASE_SECONDS).toBe(5);
    expect(() => loadConfig({ IDEMPOTENCY_LEASE_SECONDS: "4" })).toThrow(/IDEMPOTENCY_LEASE_SECONDS/);
    expect(() => loadConfig({ IDEMPOTENCY_LEASE_SECONDS: "301" })).toThrow(/IDEMPOTENCY_LEASE_SECONDS/);
  });

  it("refuses a shard resolution finer than the map resolution", () => {
    expect(() => loadConfig({ H3_MAP_RESOLUTION: "7", H3_SHARD_RESOLUTION: "9" })).toThrow(
      /H3_SHARD_RESOLUTION/,
    );
  });
});
