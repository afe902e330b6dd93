// The actor runtime conformance suite on the Redis driver (the real Redis `npm test` starts), each
// test in its own key namespace.
import { randomBytes } from "node:crypto";
import { createRedisDriver } from "../../actors/runtime/index.ts";
import { createRedis } from "../../src/storage/redis.ts";
import { describeActorRuntime } from "../support/actor-conformance.ts";

const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6390";

describeActorRuntime("redis", {
  async create() {
    const redis = createRedis(url, "actor-conformance");
    const driver = createRedisDriver({
      redis,
      connect: (purpose) => createRedis(url, purpose),
      namespace: `t${randomBytes(4).toString("hex")}:`,
    });
    return {
      ...driver,
      async close() {
        await driver.close();
        await redis.quit();
      },
    };
  },
});
