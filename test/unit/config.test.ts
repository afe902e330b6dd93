// Config from the environment: safe defaults, and a bad value stops with a message naming the variable.

import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.ts";
import { DEV_JWT_SECRET, PUBLISHED_JWT_SECRETS } from "../../src/config/published-secrets.ts";

const strongSecret = () => randomBytes(36).toString("base64url");

/** The message of the ConfigError that `env` gives (fails the test when it loads). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loaded: ${JSON.stringify(env)}`);
}

describe("loadConfig", () => {
  it("has local defaults for everything in development", () => {
    const config = loadConfig({ NODE_ENV: "development" });
    expect(config.HTTP_PORT).toBe(3000);
    expect(config.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.MAIL_FROM).toBe("Parkealo <no-reply@localhost>");
    expect(config.TRUST_PROXY).toBe(0);
    expect(config.BOOKING_HORIZON_DAYS).toBe(365);
    expect(config.BOOKING_COMMANDS_PER_MINUTE).toBe(60);
    expect(config.BOOKING_PENDING_PER_DRIVER).toBe(5);
  });

  it("coerces numbers and flags", () => {
    const config = loadConfig({ NODE_ENV: "test", HTTP_PORT: "8080", TRUST_PROXY: "true", SEED_DEMO: "0" });
    expect(config.HTTP_PORT).toBe(8080);
    expect(config.TRUST_PROXY).toBe(1);
    expect(loadConfig({ NODE_ENV: "test", TRUST_PROXY: "3" }).TRUST_PROXY).toBe(3);
    expect(loadConfig({ NODE_ENV: "test", TRUST_PROXY: "false" }).TRUST_PROXY).toBe(0);
    expect(() => loadConfig({ NODE_ENV: "test", TRUST_PROXY: "17" })).toThrow(/TRUST_PROXY/);
    expect(config.SEED_DEMO).toBe(false);
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

  it("refuses a short JWT secret anywhere", () => {
    expect(refusal({ NODE_ENV: "development", JWT_SECRET: "short" })).toMatch(
      /JWT_SECRET: must be at least 32/,
    );
  });

  it("runs in production unless told otherwise, and then refuses to start without a secret", () => {
    const message = refusal({});
    expect(message).toMatch(/JWT_SECRET: is not set .*set JWT_SECRET to a random secret of 32\+ characters/);
    const config = loadConfig({ JWT_SECRET: strongSecret() });
    expect(config.NODE_ENV).toBe("production");
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.SEED_DEMO).toBe(false);
  });

  it("refuses every published JWT secret in production, saying what to set", () => {
    expect(PUBLISHED_JWT_SECRETS.has(DEV_JWT_SECRET)).toBe(true);
    expect(PUBLISHED_JWT_SECRETS.has("change-me-to-a-long-random-secret-of-32+chars")).toBe(true);
    for (const secret of PUBLISHED_JWT_SECRETS) {
      expect(loadConfig({ NODE_ENV: "development", JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
      expect(refusal({ NODE_ENV: "production", JWT_SECRET: secret })).toMatch(
        /JWT_SECRET: .*set JWT_SECRET to a random secret of 32\+ characters/,
      );
    }
  });

  it("refuses a plainly weak JWT secret in production", () => {
    for (const secret of [
      "x".repeat(40),
      "abcabcabcabcabcabcabcabcabcabcabcabc",
      "0123456789".repeat(2).slice(0, 9).repeat(4),
      "please-change-me-to-something-long-and-random",
      "an-example-secret-for-the-docs-0123456789",
    ]) {
      expect(refusal({ NODE_ENV: "production", JWT_SECRET: secret })).toMatch(/JWT_SECRET: /);
    }
    const secret = strongSecret();
    expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: secret }).JWT_SECRET).toBe(secret);
  });

  it("refuses the dev inbox and demo seeding in production, naming what to change", () => {
    const message = refusal({
      NODE_ENV: "production",
      JWT_SECRET: strongSecret(),
      SMTP_URL: "smtp://dev-inbox:local@127.0.0.1:1025",
      SEED_DEMO: "true",
    });
    expect(message).toMatch(
      /SMTP_URL: must not be the local dev inbox in production.*set your SMTP relay's URL/,
    );
    expect(message).toMatch(/SEED_DEMO: must be off in production.*SEED_DEMO=false/);
    expect(message).not.toContain("JWT_SECRET");
    // The dev inbox is known by its login, whatever the host, port or password.
    expect(
      refusal({ JWT_SECRET: strongSecret(), SMTP_URL: "smtps://dev%2Dinbox:other@mail.example.com" }),
    ).toMatch(/SMTP_URL: must not be the local dev inbox/);
    const relay = "smtps://parkealo:a-relay-password@smtp.example.com:465";
    const off = loadConfig({ JWT_SECRET: strongSecret(), SMTP_URL: relay, SEED_DEMO: "false" });
    expect([off.SMTP_URL, off.SEED_DEMO]).toEqual([relay, false]);
    const dev = loadConfig({
      NODE_ENV: "development",
      SMTP_URL: "smtp://dev-inbox:local@127.0.0.1:1025",
      SEED_DEMO: "true",
    });
    expect([dev.SMTP_URL, dev.SEED_DEMO]).toEqual(["smtp://dev-inbox:local@127.0.0.1:1025", true]);
  });

  it("takes SMTP_URL as smtp:// or smtps:// only, and MAIL_FROM as an address with an optional name", () => {
    expect(refusal({ NODE_ENV: "test", SMTP_URL: "http://mail.example.com" })).toContain("SMTP_URL");
    expect(refusal({ JWT_SECRET: strongSecret(), SMTP_URL: "not a url" })).toMatch(/SMTP_URL: Invalid URL/);
    expect(refusal({ NODE_ENV: "test", MAIL_FROM: "Parkealo <not an address>" })).toMatch(
      /MAIL_FROM: must be an address/,
    );
    expect(refusal({ NODE_ENV: "test", MAIL_FROM: "no at sign" })).toContain("MAIL_FROM");
    const named = loadConfig({ NODE_ENV: "test", MAIL_FROM: "Parkealo Madrid <hola@parkealo.es>" });
    expect(named.MAIL_FROM).toBe("Parkealo Madrid <hola@parkealo.es>");
    expect(loadConfig({ NODE_ENV: "test", MAIL_FROM: "hola@parkealo.es" }).MAIL_FROM).toBe(
      "hola@parkealo.es",
    );
    const atPublicHost = loadConfig({ NODE_ENV: "test", PUBLIC_URL: "https://parking.example.com" });
    expect(atPublicHost.MAIL_FROM).toBe("Parkealo <no-reply@parking.example.com>");
  });

  it("keeps metrics off the API port: no metrics listener unless METRICS_PORT is set, on loopback", () => {
    const config = loadConfig({ NODE_ENV: "development" });
    expect(config.METRICS_PORT).toBe(0);
    expect(config.METRICS_HOST).toBe("127.0.0.1");
    expect(loadConfig({ NODE_ENV: "development", METRICS_PORT: "9464" }).METRICS_PORT).toBe(9464);
    expect(refusal({ NODE_ENV: "development", METRICS_PORT: "70000" })).toContain("METRICS_PORT");
  });

  it("allows CORS from PUBLIC_URL's origin unless CORS_ALLOWED_ORIGINS lists origins", () => {
    const dev = { NODE_ENV: "development" };
    expect(
      loadConfig({ ...dev, PUBLIC_URL: "https://parking.example.com/app" }).CORS_ALLOWED_ORIGINS,
    ).toEqual(["https://parking.example.com"]);
    expect(
      loadConfig({ ...dev, CORS_ALLOWED_ORIGINS: "https://a.example.com, http://localhost:5173" })
        .CORS_ALLOWED_ORIGINS,
    ).toEqual(["https://a.example.com", "http://localhost:5173"]);
    for (const bad of ["*", "https://a.example.com/path", "a.example.com", " , "]) {
      expect(refusal({ ...dev, CORS_ALLOWED_ORIGINS: bad })).toContain("CORS_ALLOWED_ORIGINS");
    }
  });

  it("relays the outbox with defaults, and refuses a queue name BullMQ cannot take or a zero retention", () => {
    const config = loadConfig({ NODE_ENV: "test" });
    expect(config.OUTBOX_QUEUE).toBe("outbox-events");
    expect(config.OUTBOX_POLL_INTERVAL_MS).toBe(1000);
    expect(config.OUTBOX_RETENTION_DAYS).toBe(7);
    expect(refusal({ NODE_ENV: "test", OUTBOX_QUEUE: "outbox:events" })).toMatch(/OUTBOX_QUEUE/);
    expect(refusal({ NODE_ENV: "test", OUTBOX_RETENTION_DAYS: "0" })).toMatch(/OUTBOX_RETENTION_DAYS/);
    expect(refusal({ NODE_ENV: "test", OUTBOX_HANDLER_ATTEMPTS: "0" })).toMatch(/OUTBOX_HANDLER_ATTEMPTS/);
  });

  it("keeps the idempotency lease between 5 s and 5 min", () => {
    expect(loadConfig({ NODE_ENV: "test" }).IDEMPOTENCY_LEASE_SECONDS).toBe(30);
    expect(loadConfig({ NODE_ENV: "test", IDEMPOTENCY_LEASE_SECONDS: "5" }).IDEMPOTENCY_LEASE_SECONDS).toBe(
      5,
    );
    expect(() => loadConfig({ IDEMPOTENCY_LEASE_SECONDS: "4" })).toThrow(/IDEMPOTENCY_LEASE_SECONDS/);
    expect(() => loadConfig({ IDEMPOTENCY_LEASE_SECONDS: "301" })).toThrow(/IDEMPOTENCY_LEASE_SECONDS/);
  });

  it("takes the map's tiles from MAP_TILE_URL: OpenStreetMap's by default, none to turn them off", () => {
    const defaults = loadConfig({ NODE_ENV: "test" });
    expect(defaults.MAP_TILE_URL).toBe("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    expect(defaults.MAP_TILE_ATTRIBUTION).toContain('href="https://www.openstreetmap.org/copyright"');
    expect(defaults.MAP_TILE_ATTRIBUTION).toContain("OpenStreetMap</a> contributors");
    expect(defaults.MAP_TILE_MAX_ZOOM).toBe(19);
    expect(loadConfig({ NODE_ENV: "test", MAP_TILE_URL: "none" }).MAP_TILE_URL).toBeNull();
    const own = loadConfig({
      NODE_ENV: "test",
      MAP_TILE_URL: "http://127.0.0.1:8080/tiles/{z}/{x}/{-y}{r}.png",
      MAP_TILE_ATTRIBUTION: "Our tiles",
      MAP_TILE_MAX_ZOOM: "20",
    });
    expect(own).toMatchObject({
      MAP_TILE_URL: "http://127.0.0.1:8080/tiles/{z}/{x}/{-y}{r}.png",
      MAP_TILE_ATTRIBUTION: "Our tiles",
      MAP_TILE_MAX_ZOOM: 20,
    });
  });

  it("refuses a tile URL the page cannot use or its CSP cannot name", () => {
    const bad = {
      "ftp://tiles.example.net/{z}/{x}/{y}.png": /http\(s\) URL template/,
      "javascript:alert(1)//{z}/{x}/{y}": /http\(s\) URL template/,
      "https://{s}.tile.example.net/{z}/{x}/{y}.png": /fixed host, no \{s\}/,
      "https://tile.example.net/{z}/{x}.png": /must contain \{z\}, \{x\} and \{y\}/,
      "https://tile.example.net/{z}/{x}/{y}.png?key={apikey}": /cannot fill: \{apikey\}/,
      "https://user:secret@tile.example.net/{z}/{x}/{y}.png": /user name or password/,
      'https://tile.example.net/{z}/{x}/{y}.png" onerror="x': /no spaces/,
    };
    for (const [value, message] of Object.entries(bad)) {
      expect(refusal({ NODE_ENV: "test", MAP_TILE_URL: value })).toMatch(message);
    }
    expect(refusal({ NODE_ENV: "test", MAP_TILE_MAX_ZOOM: "25" })).toMatch(/MAP_TILE_MAX_ZOOM/);
    // An https page cannot show http tiles.
    expect(
      refusal({
        NODE_ENV: "test",
        PUBLIC_URL: "https://parking.example.com",
        MAP_TILE_URL: "http://tiles.example.net/{z}/{x}/{y}.png",
      }),
    ).toMatch(/MAP_TILE_URL: must be https:\/\/ when PUBLIC_URL is https/);
  });

  it("refuses a shard resolution finer than the map resolution", () => {
    expect(() => loadConfig({ H3_MAP_RESOLUTION: "7", H3_SHARD_RESOLUTION: "9" })).toThrow(
      /H3_SHARD_RESOLUTION/,
    );
  });
});
