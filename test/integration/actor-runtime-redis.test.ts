// The actor runtime conformance suite on the Redis driver (the real Redis `npm test` starts), each
// test in its own key namespace; then what only the Redis driver meets (keys from an older layout).
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRedisDriver } from "../../actors/runtime/index.ts";
import { shardKeys } from "../../actors/runtime/keys.ts";
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

describe("redis driver: actor state keys", () => {
  it("reads a state kept as one string (before entries) as none, so the actor is rebuilt", async () => {
    const redis = createRedis(url, "actor-state-keys");
    const namespace = `t${randomBytes(4).toString("hex")}:`;
    const driver = createRedisDriver({ redis, connect: (purpose) => createRedis(url, purpose), namespace });
    try {
      await redis.set(shardKeys(namespace, 0).state("counter", "old"), '{"count":3,"reminded":[]}');
      expect(await driver.loadState(0, "counter", "old")).toBeNull();
      const grant = await driver.acquireLease(0, "w", 5000);
      const fence = { shard: 0, owner: "w", epoch: grant.epoch };
      const whole = { op: "replace" as const, entries: { "": '{"count":4,"reminded":[]}' } };
      expect(await driver.commit(fence, { actorType: "counter", actorId: "old", state: whole })).toBe(
        "committed",
      );
      expect(await driver.loadState(0, "counter", "old")).toEqual(whole.entries);
    } finally {
      await driver.close();
      await redis.quit();
    }
  });
});
