// The environment a benchmark gives the servers it starts (gateway, shard workers, the naive
// server): production mode, quiet logs, the benchmark's own Redis + PostgreSQL and JWT secret, on
// loopback, and per-driver booking limits high enough that a benchmark measures bookings, not 429s
// (a few thousand drivers send every request). Each benchmark adds its ports.
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
    BOOKING_COMMANDS_PER_MINUTE: "100000000",
    BOOKING_PENDING_PER_DRIVER: "10000",
    BOOKING_HORIZON_DAYS: "3650",
  };
}
