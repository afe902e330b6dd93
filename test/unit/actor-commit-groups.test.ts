// The worker's grouping of fenced commits: commits asked for in one turn go out together, one call per
// shard lease, each caller gets its own part's outcome, and a refused call fails only its own parts.
import { describe, expect, it } from "vitest";
import { CommitGroups } from "../../actors/runtime/commit-groups.ts";
import type { CommitRequest, Fence } from "../../actors/runtime/driver.ts";
import { emptyStats } from "../../actors/runtime/host-stats.ts";
import { createMemoryDriver, StaleEpochError } from "../../actors/runtime/index.ts";

async function leased(driver: ReturnType<typeof createMemoryDriver>, shard: number): Promise<Fence> {
  const grant = await driver.acquireLease(shard, "w", 5000);
  await driver.ensureMailbox(shard);
  return { shard, owner: "w", epoch: grant.epoch };
}

const write = (actorId: string, commandId: string): CommitRequest => ({
  actorType: "counter",
  actorId,
  state: { op: "replace", entries: { "": `${actorId}:${commandId}` } },
  commands: [{ commandId, reply: `"${commandId}"`, storeReplyMs: 60_000 }],
});

describe("commit groups", () => {
  it("sends one call per shard lease for the commits of one turn, each part answered alone", async () => {
    const driver = createMemoryDriver();
    const calls: Array<{ shard: number; actors: string[] }> = [];
    const commitGroup = driver.commitGroup;
    driver.commitGroup = (fence, requests) => {
      calls.push({ shard: fence.shard, actors: requests.map((r) => r.actorId) });
      return commitGroup(fence, requests);
    };
    const stats = emptyStats();
    const groups = new CommitGroups(driver, stats);
    const [zero, one] = [await leased(driver, 0), await leased(driver, 1)];
    await driver.commit(zero, write("old", "decided-before"));
    const outcomes = await Promise.all([
      groups.commit(zero, write("a", "c1")),
      groups.commit(one, write("b", "c2")),
      groups.commit(zero, write("c", "decided-before")),
      groups.commit(zero, write("d", "c3")),
    ]);
    expect(outcomes).toEqual(["committed", "committed", "duplicate", "committed"]);
    expect(calls).toEqual([
      { shard: 0, actors: ["a", "c", "d"] },
      { shard: 1, actors: ["b"] },
    ]);
    expect(stats.commitCalls).toBe(2);
    expect(await driver.loadState(0, "counter", "d")).toEqual({ "": "d:c3" });
    expect(await driver.loadState(0, "counter", "c")).toBeNull();
    expect(await driver.loadState(1, "counter", "b")).toEqual({ "": "b:c2" });
    // A later turn is a new call.
    expect(await groups.commit(one, write("b", "c4"))).toBe("committed");
    expect(calls).toHaveLength(3);
  });

  it("fails only the parts of a refused call: a stale lease's commits reject, the others land", async () => {
    const driver = createMemoryDriver();
    const groups = new CommitGroups(driver, emptyStats());
    const stale = await leased(driver, 2);
    await driver.releaseLease(stale);
    await leased(driver, 2);
    const fresh = await leased(driver, 3);
    const settled = await Promise.allSettled([
      groups.commit(stale, write("x", "s1")),
      groups.commit(fresh, write("y", "s2")),
      groups.commit(stale, write("z", "s3")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["rejected", "fulfilled", "rejected"]);
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(StaleEpochError);
    expect(await driver.loadState(2, "counter", "x")).toBeNull();
    expect(await driver.loadState(3, "counter", "y")).toEqual({ "": "y:s2" });
  });

  it("splits a large turn into calls of at most 32 parts, in order", async () => {
    const driver = createMemoryDriver();
    const sizes: number[] = [];
    const commitGroup = driver.commitGroup;
    driver.commitGroup = (fence, requests) => {
      sizes.push(requests.length);
      return commitGroup(fence, requests);
    };
    const groups = new CommitGroups(driver, emptyStats());
    const fence = await leased(driver, 4);
    const outcomes = await Promise.all(
      Array.from({ length: 70 }, (_, i) => groups.commit(fence, write(`a${i}`, `c${i}`))),
    );
    expect(outcomes.every((o) => o === "committed")).toBe(true);
    expect(sizes).toEqual([32, 32, 6]);
    expect((await driver.storedReply(4, "c69"))?.reply).toBe('"c69"');
  });
});
