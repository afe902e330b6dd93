// The actor runtime's storage in one process's memory, with the same semantics as the Redis driver
// (leases with TTLs and epochs, a stream with a consumer group and pending entries, fenced commits,
// stored replies, reminders). For fast unit tests of actors; the clock is injectable.
import type {
  ActorDriver,
  CommitOutcome,
  CommitRequest,
  DeadLetter,
  Delivery,
  Fence,
  LeaseGrant,
  Reminder,
  ReplayVerdict,
  StateWrite,
} from "./driver.ts";
import {
  type CommandEnvelope,
  decodeStoredReply,
  encodeEnvelope,
  encodeStoredReply,
  markReplayed,
  sameRequest,
} from "./envelope.ts";
import { DEAD_LETTER_MAX_LENGTH, reminderCommandId, reminderMember } from "./keys.ts";
import { outcomeOf, SCRIPT_CODES, type ScriptCommand, StaleEpochError } from "./script-codes.ts";

interface Pending {
  consumer: string;
  deliveredAt: number;
}

interface ShardData {
  lease: { owner: string; epoch: number; expiresAt: number } | undefined;
  lastEpoch: number;
  entries: Map<string, string>;
  /** Ids in append order; `delivered` counts how many the group has handed out. */
  order: string[];
  delivered: number;
  groupCreated: boolean;
  pending: Map<string, Pending>;
  consumers: Map<string, number>;
  /** Actor states: per actor, its entries (a Redis hash; an empty one is no hash at all). */
  states: Map<string, Map<string, string>>;
  results: Map<string, { value: string; expiresAt: number }>;
  reminders: Map<string, number>;
  /** The dead-letter stream, oldest first. */
  dead: DeadLetter[];
}

/** A state write as commit_batch.lua makes it (DEL, HSET, HDEL on the actor's hash). */
function writeState(states: ShardData["states"], key: string, write: StateWrite | undefined): void {
  if (write === undefined) return;
  if (write.op === "delete" || write.op === "replace") states.delete(key);
  if (write.op === "delete") return;
  const entries = states.get(key) ?? new Map<string, string>();
  const set = write.op === "replace" ? write.entries : write.set;
  for (const field of Object.keys(set)) entries.set(field, set[field]!);
  if (write.op === "patch") for (const field of write.remove) entries.delete(field);
  if (entries.size > 0) states.set(key, entries);
  else states.delete(key);
}

export interface MemoryDriverOptions {
  clock?: () => number;
}

export function createMemoryDriver(options: MemoryDriverOptions = {}): ActorDriver & {
  /** Test hook: advance nothing, just how the driver reads time. */
  readonly clock: () => number;
} {
  const clock = options.clock ?? Date.now;
  const shards = new Map<number, ShardData>();
  const members = new Map<string, number>();
  const listeners = new Map<string, Set<(raw: string) => void>>();
  let waiters: Array<() => void> = [];
  let sequence = 0;
  let lastMs = 0;

  function shard(n: number): ShardData {
    let data = shards.get(n);
    if (!data) {
      data = {
        lease: undefined,
        lastEpoch: 0,
        entries: new Map(),
        order: [],
        delivered: 0,
        groupCreated: false,
        pending: new Map(),
        consumers: new Map(),
        states: new Map(),
        results: new Map(),
        reminders: new Map(),
        dead: [],
      };
      shards.set(n, data);
    }
    if (data.lease && data.lease.expiresAt <= clock()) data.lease = undefined;
    for (const [id, result] of data.results) if (result.expiresAt <= clock()) data.results.delete(id);
    return data;
  }

  function holds(fence: Fence): boolean {
    const lease = shard(fence.shard).lease;
    return lease !== undefined && lease.owner === fence.owner && lease.epoch === fence.epoch;
  }

  /** Runs a "script": stale fences get the same code as in Lua and go through the same mapping. */
  function fencedCode(command: ScriptCommand, fence: Fence, body: () => number): number {
    const code = holds(fence) ? body() : SCRIPT_CODES.staleEpoch;
    if (code === SCRIPT_CODES.staleEpoch) outcomeOf(command, code, fence);
    return code;
  }

  function publish(callerId: string | undefined, raw: string) {
    if (!callerId) return;
    for (const listener of listeners.get(callerId) ?? []) queueMicrotask(() => listener(raw));
  }

  /** A stream entry id, increasing like Redis' (ms-sequence). */
  function nextId(): string {
    const now = Math.max(clock(), lastMs);
    sequence = now === lastMs ? sequence + 1 : 0;
    lastMs = now;
    return `${now}-${sequence}`;
  }

  function appendRaw(n: number, raw: string): string {
    const id = nextId();
    const data = shard(n);
    data.entries.set(id, raw);
    data.order.push(id);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
    return id;
  }

  function ack(data: ShardData, entryId: string | undefined) {
    if (entryId) data.pending.delete(entryId);
  }

  function takeNew(consumer: string, shardList: readonly number[], count: number): Delivery[] {
    const out: Delivery[] = [];
    for (const n of shardList) {
      const data = shard(n);
      if (!data.groupCreated) throw new Error(`NOGROUP no consumer group on shard ${n}`);
      while (data.delivered < data.order.length && out.length < count) {
        const entryId = data.order[data.delivered++]!;
        data.pending.set(entryId, { consumer, deliveredAt: clock() });
        data.consumers.set(consumer, clock());
        out.push({ shard: n, entryId, raw: data.entries.get(entryId) });
      }
    }
    return out;
  }

  /**
   * As commit_batch.lua: the parts in order, each refused alone when it holds a decided command or
   * patches a state not stored.
   */
  const commitGroup: ActorDriver["commitGroup"] = async (fence, requests) => {
    const outcomes: CommitOutcome[] = [];
    fencedCode("commit_batch", fence, () => {
      const data = shard(fence.shard);
      // One message per caller over the committed parts: a JSON array of its replies in order.
      const outgoing = new Map<string, string[]>();
      for (const request of requests) {
        const commands = request.commands ?? [];
        const stores = (c: (typeof commands)[number]) => (c.commandId && c.storeReplyMs ? c.storeReplyMs : 0);
        if (commands.some((c) => stores(c) > 0 && data.results.has(c.commandId!))) {
          outcomes.push("duplicate");
          continue;
        }
        const stateKey = `${request.actorType}\n${request.actorId}`;
        if (request.state?.op === "patch" && !data.states.has(stateKey)) {
          outcomes.push("missing");
          continue;
        }
        writeState(data.states, stateKey, request.state);
        for (const op of request.reminders ?? []) {
          const member = reminderMember(op.actorType, op.actorId, op.name);
          if (op.op === "set") data.reminders.set(member, op.dueAt);
          else data.reminders.delete(member);
        }
        for (const c of commands) {
          if (stores(c) > 0 && c.reply)
            data.results.set(c.commandId!, {
              value: encodeStoredReply(c.fingerprint, c.reply),
              expiresAt: clock() + stores(c),
            });
          ack(data, c.entryId);
          if (c.reply && c.replyTo) outgoing.set(c.replyTo, [...(outgoing.get(c.replyTo) ?? []), c.reply]);
        }
        outcomes.push("committed");
      }
      for (const [callerId, replies] of outgoing) publish(callerId, `[${replies.join(",")}]`);
      return SCRIPT_CODES.ok;
    });
    return outcomes;
  };

  return {
    kind: "memory",
    clock,

    async heartbeat(workerId, ttlMs) {
      const now = clock();
      members.set(workerId, now + ttlMs);
      for (const [id, until] of members) if (until < now) members.delete(id);
      return [...members.keys()].sort();
    },
    async leave(workerId) {
      members.delete(workerId);
    },

    async acquireLease(n, owner, ttlMs): Promise<LeaseGrant> {
      const data = shard(n);
      if (data.lease && data.lease.owner !== owner) return { granted: false, epoch: data.lease.epoch };
      data.lastEpoch += 1;
      data.lease = { owner, epoch: data.lastEpoch, expiresAt: clock() + ttlMs };
      return { granted: true, epoch: data.lastEpoch };
    },
    async renewLease(fence, ttlMs) {
      fencedCode("renew_lease", fence, () => {
        shard(fence.shard).lease!.expiresAt = clock() + ttlMs;
        return SCRIPT_CODES.ok;
      });
    },
    async releaseLease(fence) {
      try {
        fencedCode("release_lease", fence, () => {
          shard(fence.shard).lease = undefined;
          return SCRIPT_CODES.ok;
        });
      } catch (error) {
        if (!(error instanceof StaleEpochError)) throw error;
      }
    },
    async currentLease(n) {
      const lease = shard(n).lease;
      return lease ? { owner: lease.owner, epoch: lease.epoch } : null;
    },

    async append(n, envelope: CommandEnvelope) {
      return appendRaw(n, encodeEnvelope(envelope));
    },
    async subscribeReplies(callerId, onReply) {
      const set = listeners.get(callerId) ?? new Set<(raw: string) => void>();
      listeners.set(callerId, set);
      set.add(onReply);
      return {
        async close() {
          set.delete(onReply);
        },
      };
    },
    async storedReply(n, commandId) {
      const stored = shard(n).results.get(commandId);
      return stored === undefined ? null : decodeStoredReply(stored.value);
    },

    async ensureMailbox(n) {
      shard(n).groupCreated = true;
    },
    async read(consumer, shardList, { count, blockMs }) {
      if (shardList.length === 0) return [];
      const now = takeNew(consumer, shardList, count);
      if (now.length > 0 || blockMs <= 0) return now;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, blockMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return takeNew(consumer, shardList, count);
    },
    async claimPending(fence, consumer, { minIdleMs }) {
      const out: Delivery[] = [];
      fencedCode("claim_pending", fence, () => {
        const data = shard(fence.shard);
        for (const [entryId, pending] of data.pending) {
          if (clock() - pending.deliveredAt < minIdleMs) continue;
          data.pending.set(entryId, { consumer, deliveredAt: clock() });
          const raw = data.entries.get(entryId);
          if (raw === undefined) data.pending.delete(entryId);
          out.push({ shard: fence.shard, entryId, raw });
        }
        return SCRIPT_CODES.ok;
      });
      return out;
    },
    async replayDone(fence, candidates) {
      const flags: ReplayVerdict[] = [];
      fencedCode("replay_done", fence, () => {
        const data = shard(fence.shard);
        for (const candidate of candidates) {
          const raw = data.results.get(candidate.commandId);
          if (raw === undefined) {
            flags.push("run");
            continue;
          }
          const stored = decodeStoredReply(raw.value);
          if (!sameRequest(stored.fingerprint, candidate.fingerprint)) {
            flags.push("mismatch");
            continue;
          }
          ack(data, candidate.entryId);
          publish(candidate.replyTo, markReplayed(stored.reply));
          flags.push("replayed");
        }
        return SCRIPT_CODES.ok;
      });
      return flags;
    },
    async commit(fence, request: CommitRequest) {
      const [outcome] = await commitGroup(fence, [request]);
      return outcome!;
    },
    commitGroup,
    async deadLetter(fence, { reply, replyTo, ...letter }) {
      fencedCode("dead_letter", fence, () => {
        const data = shard(fence.shard);
        data.dead.push({ id: nextId(), ...letter });
        if (data.dead.length > DEAD_LETTER_MAX_LENGTH)
          data.dead.splice(0, data.dead.length - DEAD_LETTER_MAX_LENGTH);
        ack(data, letter.entryId);
        publish(replyTo, reply);
        return SCRIPT_CODES.ok;
      });
    },
    async deadLetters(n, count) {
      const { dead } = shard(n);
      return dead.slice(Math.max(0, dead.length - count)).reverse();
    },
    async tidyMailbox(fence, consumer, consumerIdleMs) {
      let trimmed = 0;
      fencedCode("tidy_mailbox", fence, () => {
        const data = shard(fence.shard);
        let keepFrom = data.delivered;
        for (const entryId of data.pending.keys()) keepFrom = Math.min(keepFrom, data.order.indexOf(entryId));
        // The Redis twin keeps the last delivered entry (XTRIM MINID is exclusive of the threshold).
        const cut = Math.max(0, data.pending.size > 0 ? keepFrom : keepFrom - 1);
        for (const entryId of data.order.slice(0, cut)) data.entries.delete(entryId);
        data.order = data.order.slice(cut);
        data.delivered -= cut;
        trimmed = cut;
        const busy = new Set([...data.pending.values()].map((p) => p.consumer));
        for (const [name, seen] of data.consumers) {
          if (name !== consumer && !busy.has(name) && clock() - seen > consumerIdleMs)
            data.consumers.delete(name);
        }
        return SCRIPT_CODES.ok;
      });
      return trimmed;
    },
    async pendingCount(n) {
      return shard(n).pending.size;
    },

    async loadState(n, actorType, actorId) {
      const entries = shard(n).states.get(`${actorType}\n${actorId}`);
      return entries === undefined ? null : Object.fromEntries(entries);
    },

    async deliverDueReminders(fence, now, limit) {
      let moved = 0;
      fencedCode("deliver_due_reminders", fence, () => {
        const data = shard(fence.shard);
        const due = [...data.reminders]
          .filter(([, at]) => at <= now)
          .sort((a, b) => a[1] - b[1])
          .slice(0, limit);
        for (const [member, dueAt] of due) {
          const [actorType, actorId, name] = JSON.parse(member) as [string, string, string];
          appendRaw(
            fence.shard,
            encodeEnvelope({
              kind: "reminder",
              commandId: reminderCommandId(member, dueAt),
              actorType,
              actorId,
              name,
              dueAt,
            }),
          );
          data.reminders.delete(member);
          moved += 1;
        }
        return SCRIPT_CODES.ok;
      });
      return moved;
    },
    async reminders(n) {
      return [...shard(n).reminders].map(([member, dueAt]) => {
        const [actorType, actorId, name] = JSON.parse(member) as [string, string, string];
        return { actorType, actorId, name, dueAt } satisfies Reminder;
      });
    },

    async close() {
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    },
  };
}
