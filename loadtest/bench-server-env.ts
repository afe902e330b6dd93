// The environment a benchmark gives the servers it starts (gateway, shard workers, the naive
// server): production mode, quiet logs, the benchmark's own Redis + PostgreSQL and JWT secret, on
// loopback. Each benchmark adds its ports.
import type { Stack } from "../devstack/stack.ts";

export function benchServerEnv(stack: Pick<Stack, "databaseUrl" | "redisUrl">, jwtSecret: string) {
  return {
    ...process.env,
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    JWT_SECRET: jwtSecret,
    HTTP_HOST: "127.0.0.1",
  };
}
