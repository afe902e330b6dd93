// docker-compose.yml as an operator runs it: parsed with its anchors and merge keys, its ${…} variables
// interpolated the way Docker Compose does. Without JWT_SECRET in the environment Compose itself stops
// with a message naming it; each service's settings, as Compose hands them over, are refused by the
// config check with a message saying what to set; with a random secret every service starts in production.
// Every long-running service restarts when it exits and has a health check on a port it serves.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ConfigError, loadConfig } from "../../src/config/index.ts";

type Environment = Record<string, string | undefined>;
interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  restart?: string;
  healthcheck?: { test?: string[]; interval?: string; timeout?: string; retries?: number };
}

const compose = parse(readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8"), {
  merge: true,
}) as { services: Record<string, ComposeService> };

class MissingVariable extends Error {}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$. */
function interpolate(value: string, env: Environment): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g,
    (whole, name: string | undefined, colon: string, operator: string, argument: string) => {
      if (whole === "$$") return "$";
      const set = env[name!];
      const missing = set === undefined || (colon === ":" && set === "");
      if (!missing) return set!;
      if (operator === "-") return argument;
      if (operator === "?")
        throw new MissingVariable(`required variable ${name} is missing a value: ${argument}`);
      return "";
    },
  );
}

/** What a service's process sees: its environment block, interpolated against the operator's shell. */
function serviceEnvironment(service: ComposeService, shell: Environment): Environment {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [
      key,
      value === null ? shell[key] : interpolate(String(value), shell),
    ]),
  );
}

/** The services that run our code (their command is one of workers/*.ts). */
const appServices = Object.entries(compose.services).filter(([, service]) =>
  service.command?.some((part) => part.startsWith("workers/")),
);

describe("docker-compose.yml defaults", () => {
  it("runs every app service in production mode", () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining(["gateway-1", "gateway-2", "jobs-worker", "migrate", "shard-worker-1"]),
    );
    for (const [, service] of appServices) expect(service.environment?.NODE_ENV).toBe("production");
  });

  it("requires JWT_SECRET from the environment, with no fallback", () => {
    for (const [, service] of appServices) {
      expect(() => serviceEnvironment(service, {})).toThrow(
        /JWT_SECRET.*set JWT_SECRET to a random secret of 32\+ characters/,
      );
      expect(() => serviceEnvironment(service, { JWT_SECRET: "" })).toThrow(MissingVariable);
    }
  });

  it("is refused by the config check, naming what to set, when the secret is left out", () => {
    for (const [name, service] of appServices) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {})
          .filter(([key]) => key !== "JWT_SECRET")
          .map(([key, value]) => [key, interpolate(String(value), {})]),
      );
      let message = "";
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message, name).toMatch(/JWT_SECRET: .*set JWT_SECRET to a random secret of 32\+ characters/);
    }
  });

  it("starts every app service in production with a random secret and nothing else set", () => {
    const shell = { JWT_SECRET: randomBytes(36).toString("base64url") };
    for (const [name, service] of appServices) {
      const config = loadConfig(serviceEnvironment(service, shell));
      expect(config.NODE_ENV, name).toBe("production");
      expect(config.SMTP_URL, name).toBeUndefined();
      expect(config.SEED_DEMO, name).toBe(false);
    }
  });

  it("hands the operator's SMTP relay to every app service, and refuses the local dev inbox", () => {
    const relay = "smtps://parkealo:relay-password@smtp.example.com:465";
    const secret = randomBytes(36).toString("base64url");
    for (const [name, service] of appServices) {
      const config = loadConfig(
        serviceEnvironment(service, { JWT_SECRET: secret, SMTP_URL: relay, MAIL_FROM: "hola@parkealo.es" }),
      );
      expect([config.SMTP_URL, config.MAIL_FROM], name).toEqual([relay, "hola@parkealo.es"]);
      const devInbox = { JWT_SECRET: secret, SMTP_URL: "smtp://dev-inbox:local@127.0.0.1:1025" };
      expect(() => loadConfig(serviceEnvironment(service, devInbox)), name).toThrow(
        /SMTP_URL: must not be the local dev inbox in production/,
      );
    }
  });

  it("restarts every long-running service when it exits; the one-shot migrate runs once", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "migrate") expect(service.restart, name).toBe("no");
      else expect(service.restart, name).toBe("unless-stopped");
    }
  });

  it("gives every long-running service a health check; the app's probe /readyz on a port they serve", () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === "migrate") continue;
      const check = service.healthcheck;
      expect(check?.test?.[0], name).toBe("CMD");
      expect(check?.interval && check.timeout && check.retries, name).toBeTruthy();
    }
    expect(compose.services.redis!.healthcheck!.test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(compose.services.postgres!.healthcheck!.test?.slice(0, 2)).toEqual(["CMD", "pg_isready"]);
    const longRunning = appServices.filter(([name]) => name !== "migrate");
    expect(longRunning.length).toBeGreaterThanOrEqual(6);
    for (const [name, service] of longRunning) {
      const probe = service.healthcheck!.test!.join(" ");
      const port = probe.match(/http:\/\/127\.0\.0\.1:(\d+)\/readyz/)?.[1];
      const env = service.environment ?? {};
      const served = [env.HTTP_PORT, env.METRICS_PORT, env.HEALTH_PORT].filter(Boolean).map(String);
      expect(served, name).toContain(port);
      // The gateway's probe is its public port; workers have no public port: their HEALTH_PORT.
      if (service.command?.includes("workers/gateway.ts")) expect(port, name).toBe(String(env.HTTP_PORT));
      else expect(port, name).toBe(String(env.HEALTH_PORT));
    }
  });
});
