// Pure parts of the actor runtime: shard of a cell, placement of shards on workers, key layout.
import { cellToParent, gridDisk, latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import { membersKey, reminderCommandId, reminderMember, shardKeys } from "../../actors/runtime/keys.ts";
import { assignShards, shardsOf } from "../../actors/runtime/placement.ts";
import { fnv1a32, shardOfCell, shardOfShardCell } from "../../actors/runtime/sharding.ts";

const resolutions = { map: 9, shard: 4 };

describe("shard of a cell", () => {
  it("is the same for every map cell under one shard cell, and within range", () => {
    const a = latLngToCell(40.4168, -3.7038, 9);
    const b = gridDisk(a, 1).find((cell) => cell !== a)!;
    expect(cellToParent(b, 4)).toBe(cellToParent(a, 4));
    expect(shardOfCell(a, resolutions, 64)).toBe(shardOfCell(b, resolutions, 64));
    const shard = shardOfCell(a, resolutions, 64);
    expect(shard).toBeGreaterThanOrEqual(0);
    expect(shard).toBeLessThan(64);
  });

  it("is stable (a fixed hash, not a per-process one) and spreads cells over the shards", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    const seen = new Set<number>();
    for (let lat = -60; lat <= 60; lat += 3) {
      for (let lng = -170; lng <= 170; lng += 7) seen.add(shardOfShardCell(latLngToCell(lat, lng, 4), 16));
    }
    expect(seen.size).toBe(16);
  });

  it("refuses a cell coarser than the shard resolution and a bad shard count", () => {
    expect(() => shardOfCell(latLngToCell(0, 0, 2), resolutions, 8)).toThrow(/coarser/);
    expect(() => shardOfShardCell(latLngToCell(0, 0, 4), 0)).toThrow(/shard count/);
  });
});

describe("placement", () => {
  const workers = (n: number) => Array.from({ length: n }, (_, i) => `shard-worker-${i + 1}`);

  it("gives every shard exactly one owner and spreads them within one of each other", () => {
    for (const n of [1, 2, 3, 5, 7]) {
      const owners = assignShards(workers(n), 64);
      expect(owners.size).toBe(64);
      const loads = workers(n).map((w) => [...owners.values()].filter((o) => o === w).length);
      expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    }
  });

  it("is the same whatever order members are listed in", () => {
    const members = workers(4);
    expect([...assignShards(members, 32)]).toEqual([...assignShards([...members].reverse(), 32)]);
  });

  it("moves few shards when a worker joins or leaves", () => {
    const before = assignShards(workers(3), 64);
    const after = assignShards(workers(4), 64);
    const moved = [...before].filter(([shard, owner]) => after.get(shard) !== owner).length;
    // Ideal is 16 (the newcomer's fair share); far from reshuffling all 64.
    expect(moved).toBeGreaterThanOrEqual(16);
    expect(moved).toBeLessThanOrEqual(28);
    const left = assignShards(workers(3).slice(1), 64);
    const movedOnLeave = [...before].filter(([shard, owner]) => left.get(shard) !== owner).length;
    expect(movedOnLeave).toBeLessThanOrEqual(32);
  });

  it("owns nothing without members, and shardsOf agrees with assignShards", () => {
    expect(assignShards([], 8).size).toBe(0);
    const members = workers(3);
    const union = members.flatMap((w) => [...shardsOf(w, members, 10)]).sort((a, b) => a - b);
    expect(union).toEqual([...Array(10).keys()]);
  });
});

describe("key layout", () => {
  it("tags every key of a shard with the same hash tag, after the namespace", () => {
    const keys = shardKeys("t1:", 17);
    for (const key of [
      keys.lease,
      keys.epoch,
      keys.mailbox,
      keys.reminders,
      keys.state("counter", "a"),
      keys.result("c1"),
    ]) {
      expect(key.startsWith("t1:{shard:17}:")).toBe(true);
    }
    expect(shardKeys("", 3).lease).toBe("{shard:3}:lease");
    expect(keys.state("space", "x")).toBe("t1:{shard:17}:state:space:x");
    expect(membersKey("")).toBe("{workers}:members");
  });

  it("encodes reminder members safely and derives the reminder's command id", () => {
    const member = reminderMember("space", "a:b", "deadline:1");
    expect(JSON.parse(member)).toEqual(["space", "a:b", "deadline:1"]);
    expect(reminderCommandId(member, 1764000000000)).toBe("reminder:space:a:b:deadline:1:1764000000000");
  });
});
