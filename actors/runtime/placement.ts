// Which live worker should own which shard: rendezvous (highest-random-weight) hashing with a load
// bound. Every worker computes the same answer from the same member list, so no coordinator is needed;
// the lease in Redis settles the moments when two workers' views briefly differ.
//
// Plain rendezvous hashing moves few shards when a worker joins or leaves but spreads them only
// roughly evenly; capping each worker's load keeps the spread within one shard while a shard still
// goes to its highest-ranked worker that has room, so moves stay few.
import { fnv1a32 } from "./sharding.ts";

function weight(workerId: string, shard: number): number {
  // Mix twice so workers with similar names do not rank shards alike.
  return fnv1a32(`${fnv1a32(`${workerId}#${shard}`)}:${shard}:${workerId}`);
}

/** shard → owning worker, for shards 0..shardCount-1. An empty member list owns nothing. */
export function assignShards(members: readonly string[], shardCount: number): Map<number, string> {
  const owners = new Map<number, string>();
  const workers = [...new Set(members)].sort();
  if (workers.length === 0) return owners;
  // Each worker gets floor(shards / workers); the remainder goes, one each, to whoever reaches it first.
  const base = Math.floor(shardCount / workers.length);
  let extra = shardCount % workers.length;
  const load = new Map(workers.map((w) => [w, 0]));
  for (let shard = 0; shard < shardCount; shard++) {
    const ranked = workers
      .map((w) => ({ w, score: weight(w, shard) }))
      .sort((a, b) => b.score - a.score || (a.w < b.w ? -1 : 1));
    const chosen =
      ranked.find(({ w }) => (load.get(w) ?? 0) < base) ??
      ranked.find(({ w }) => extra > 0 && load.get(w) === base) ??
      ranked[0]!;
    if (load.get(chosen.w) === base) extra -= 1;
    owners.set(shard, chosen.w);
    load.set(chosen.w, (load.get(chosen.w) ?? 0) + 1);
  }
  return owners;
}

/** The shards `workerId` should own given the live members. */
export function shardsOf(workerId: string, members: readonly string[], shardCount: number): Set<number> {
  const mine = new Set<number>();
  for (const [shard, owner] of assignShards(members, shardCount)) if (owner === workerId) mine.add(shard);
  return mine;
}
