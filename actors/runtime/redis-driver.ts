// The actor runtime's storage in Redis: every worker-side write goes through one fenced Lua script
// (actors/scripts), plain single commands (XADD, XREADGROUP, HGETALL…) need none. Replies travel over one
// pub/sub channel per caller process; see actor-client.ts for why.
import type { Redis } from "ioredis";
import type {
  ActorDriver,
  CommitRequest,
  DeadLetter,
  Delivery,
  Fence,
  LeaseGrant,
  Reminder,
  ReplayVerdict,
} from "./driver.ts";
import { type CommandEnvelope, decodeStoredReply, encodeEnvelope } from "./envelope.ts";
import {
  DEAD_LETTER_MAX_LENGTH,
  MAILBOX_GROUP,
  membersKey,
  reminderMember,
  replyChannel,
  shardKeys,
} from "./keys.ts";
import {
  ActorRuntimeError,
  outcomeOf,
  SCRIPT_CODES,
  type ScriptCommand,
  StaleEpochError,
} from "./script-codes.ts";
import { loadScripts, runScript } from "./script-loader.ts";

export interface RedisDriverOptions {
  /** Command connection (scripts, appends, reads of state). */
  redis: Redis;
  /** Makes a fresh connection: blocking mailbox reads and reply subscriptions each need their own. */
  connect: (purpose: string) => Redis;
  /** Key prefix; "" in production. */
  namespace?: string;
}

type StreamEntry = [id: string, fields: string[] | null];

/** replay_done.lua's flag per candidate. */
const REPLAY_VERDICTS: Record<number, ReplayVerdict> = { 0: "run", 1: "replayed", 2: "mismatch" };

/** A stream entry's fields by name. */
function fieldsOf(fields: string[] | null): Map<string, string> {
  const byName = new Map<string, string>();
  if (fields) for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i]!, fields[i + 1]!);
  return byName;
}

function deliveriesOf(shard: number, entries: StreamEntry[]): Delivery[] {
  return entries.map(([entryId, fields]) => ({ shard, entryId, raw: fieldsOf(fields).get("e") }));
}

/** An entry of dead_letter.lua's stream. */
function deadLetterOf([id, fields]: StreamEntry): DeadLetter {
  const field = fieldsOf(fields);
  return {
    id,
    entryId: field.get("entry") ?? "",
    raw: field.get("e") ?? "",
    error: field.get("error") ?? "",
    attempts: Number(field.get("attempts") ?? 0),
    failedAt: Number(field.get("at") ?? 0),
    consumer: field.get("consumer") ?? "",
  };
}

/**
 * XREADGROUP's reply as (stream key, entries) pairs: RESP2 gives [[key, entries], …], RESP3 (ioredis'
 * default protocol, through `call`) a map flattened to [key, entries, key, entries, …].
 */
function streamPairs(result: unknown): [string, StreamEntry[]][] {
  if (!Array.isArray(result) || result.length === 0) return [];
  if (Array.isArray(result[0])) return result as [string, StreamEntry[]][];
  const pairs: [string, StreamEntry[]][] = [];
  for (let i = 0; i + 1 < result.length; i += 2)
    pairs.push([result[i] as string, result[i + 1] as StreamEntry[]]);
  return pairs;
}

export function createRedisDriver(options: RedisDriverOptions): ActorDriver {
  const { redis, connect } = options;
  const ns = options.namespace ?? "";
  loadScripts(redis);
  let reader: Redis | undefined;
  const subscribers = new Set<Redis>();
  /** Key names per shard, built once (every command of a busy shard needs them). */
  const keysByShard = new Map<number, ReturnType<typeof shardKeys>>();
  const keysOf = (shard: number) => {
    let keys = keysByShard.get(shard);
    if (keys === undefined) {
      keys = shardKeys(ns, shard);
      keysByShard.set(shard, keys);
    }
    return keys;
  };
  /** The last mailbox read's streams (the owned shards rarely change between reads). */
  let readPlan: { shards: string; args: string[]; shardByKey: Map<string, number> } | undefined;

  const fenced = (fence: Fence) => [fence.owner, String(fence.epoch)];
  const run = (name: ScriptCommand, keys: readonly string[], args: readonly (string | number)[]) =>
    runScript(redis, name, keys, args);

  const commitGroup: ActorDriver["commitGroup"] = async (fence, requests) => {
    if (requests.length === 0) return [];
    const keys = keysOf(fence.shard);
    const scriptKeys = [keys.lease, keys.mailbox, keys.reminders];
    const args: (string | number)[] = [...fenced(fence), MAILBOX_GROUP, requests.length];
    for (const request of requests) {
      const reminders = request.reminders ?? [];
      const commands = request.commands ?? [];
      scriptKeys.push(keys.state(request.actorType, request.actorId));
      for (const c of commands) scriptKeys.push(keys.result(c.commandId ?? ""));
      const state = request.state;
      const set = state?.op === "replace" ? state.entries : state?.op === "patch" ? state.set : {};
      const remove = state?.op === "patch" ? state.remove : [];
      const setKeys = Object.keys(set);
      args.push(state?.op ?? "keep", setKeys.length, remove.length, reminders.length, commands.length);
      for (const key of setKeys) args.push(key, set[key]!);
      for (const key of remove) args.push(key);
      for (const op of reminders) {
        const member = reminderMember(op.actorType, op.actorId, op.name);
        if (op.op === "set") args.push("set", member, op.dueAt);
        else args.push("cancel", member, 0);
      }
      for (const c of commands)
        args.push(
          c.entryId ?? "",
          c.commandId && c.storeReplyMs ? c.storeReplyMs : 0,
          c.reply ?? "",
          c.replyTo ? replyChannel(ns, c.replyTo) : "",
          c.fingerprint ?? "",
        );
    }
    const reply = await run("commit_batch", scriptKeys, args);
    if (!Array.isArray(reply) || reply.length !== requests.length) {
      // A list of per-part codes, or -1 for the whole call; anything else is not an answer of this script.
      if (reply === SCRIPT_CODES.staleEpoch)
        throw new StaleEpochError("commit_batch", fence.shard, fence.epoch);
      throw new ActorRuntimeError(
        "script_failed",
        "commit_batch",
        `unexpected reply ${JSON.stringify(reply)}`,
      );
    }
    return reply.map((code) => {
      const outcome = outcomeOf("commit_batch", code, fence);
      return outcome === "duplicate" || outcome === "missing" ? outcome : "committed";
    });
  };

  return {
    kind: "redis",

    async heartbeat(workerId, ttlMs) {
      return (await run("heartbeat_member", [membersKey(ns)], [workerId, ttlMs])) as string[];
    },
    async leave(workerId) {
      await redis.zrem(membersKey(ns), workerId);
    },

    async acquireLease(shard, owner, ttlMs): Promise<LeaseGrant> {
      const keys = keysOf(shard);
      const [code, epoch] = (await run("acquire_lease", [keys.lease, keys.epoch], [owner, ttlMs])) as [
        number,
        number,
      ];
      return { granted: code === 1, epoch };
    },
    async renewLease(fence, ttlMs) {
      const code = await run("renew_lease", [keysOf(fence.shard).lease], [...fenced(fence), ttlMs]);
      outcomeOf("renew_lease", code, fence);
    },
    async releaseLease(fence) {
      const code = await run("release_lease", [keysOf(fence.shard).lease], fenced(fence));
      try {
        outcomeOf("release_lease", code, fence);
      } catch (error) {
        if (!(error instanceof StaleEpochError)) throw error;
      }
    },
    async currentLease(shard) {
      const [owner, epoch] = await redis.hmget(keysOf(shard).lease, "owner", "epoch");
      return owner && epoch ? { owner, epoch: Number(epoch) } : null;
    },

    async append(shard, envelope: CommandEnvelope) {
      const id = await redis.xadd(keysOf(shard).mailbox, "*", "e", encodeEnvelope(envelope));
      if (!id) throw new Error("XADD returned no id");
      return id;
    },
    async subscribeReplies(callerId, onReply) {
      const subscriber = connect(`actor-replies-${callerId}`);
      subscribers.add(subscriber);
      const channel = replyChannel(ns, callerId);
      subscriber.on("message", (from: string, message: string) => {
        if (from === channel) onReply(message);
      });
      await subscriber.subscribe(channel);
      return {
        async close() {
          subscribers.delete(subscriber);
          await subscriber.quit().catch(() => subscriber.disconnect());
        },
      };
    },
    async storedReply(shard, commandId) {
      const raw = await redis.get(keysOf(shard).result(commandId));
      return raw === null ? null : decodeStoredReply(raw);
    },

    async ensureMailbox(shard) {
      try {
        // From id 0, not $: commands appended before any worker ever read this shard count too.
        await redis.xgroup("CREATE", keysOf(shard).mailbox, MAILBOX_GROUP, "0", "MKSTREAM");
      } catch (error) {
        if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
      }
    },
    async read(consumer, shards, { count, blockMs }) {
      if (shards.length === 0) return [];
      reader ??= connect("actor-mailbox-reader");
      const shardList = shards.join(",");
      if (readPlan?.shards !== shardList) {
        const keys = shards.map((shard) => keysOf(shard).mailbox);
        readPlan = {
          shards: shardList,
          args: [...keys, ...keys.map(() => ">")],
          shardByKey: new Map(keys.map((key, i) => [key, shards[i]!])),
        };
      }
      const { args, shardByKey } = readPlan;
      // One blocking read over all owned mailboxes (single Redis). On Redis Cluster this becomes one
      // read per node, since XREADGROUP's keys must share a slot there.
      const result = await reader.call(
        "XREADGROUP",
        "GROUP",
        MAILBOX_GROUP,
        consumer,
        "COUNT",
        count,
        // BLOCK 0 would wait forever; no BLOCK returns at once.
        ...(blockMs > 0 ? ["BLOCK", blockMs] : []),
        "STREAMS",
        ...args,
      );
      return streamPairs(result).flatMap(([key, entries]) => deliveriesOf(shardByKey.get(key)!, entries));
    },
    async claimPending(fence, consumer, { minIdleMs, count }) {
      const keys = keysOf(fence.shard);
      const deliveries: Delivery[] = [];
      let cursor = "0-0";
      do {
        const reply = (await run(
          "claim_pending",
          [keys.lease, keys.mailbox],
          [...fenced(fence), MAILBOX_GROUP, consumer, minIdleMs, count, cursor],
        )) as [number, string, StreamEntry[], string[]] | [number];
        outcomeOf("claim_pending", reply[0], fence);
        const [, next, entries, deleted] = reply as [number, string, StreamEntry[], string[]];
        deliveries.push(...deliveriesOf(fence.shard, entries));
        for (const entryId of deleted) deliveries.push({ shard: fence.shard, entryId, raw: undefined });
        cursor = next;
      } while (cursor !== "0-0");
      return deliveries;
    },
    async replayDone(fence, candidates) {
      if (candidates.length === 0) return [];
      const keys = keysOf(fence.shard);
      const reply = (await run(
        "replay_done",
        [keys.lease, keys.mailbox, ...candidates.map((c) => keys.result(c.commandId))],
        [
          ...fenced(fence),
          MAILBOX_GROUP,
          ...candidates.flatMap((c) => [
            c.entryId,
            c.replyTo ? replyChannel(ns, c.replyTo) : "",
            c.fingerprint ?? "",
          ]),
        ],
      )) as number[];
      outcomeOf("replay_done", reply[0], fence);
      return candidates.map((_, i) => REPLAY_VERDICTS[reply[i + 1] ?? 0] ?? "run");
    },
    async commit(fence, request: CommitRequest) {
      const [outcome] = await commitGroup(fence, [request]);
      return outcome!;
    },
    commitGroup,
    async deadLetter(fence, letter) {
      const keys = keysOf(fence.shard);
      const code = await run(
        "dead_letter",
        [keys.lease, keys.mailbox, keys.dead],
        [
          ...fenced(fence),
          MAILBOX_GROUP,
          DEAD_LETTER_MAX_LENGTH,
          letter.entryId,
          letter.raw,
          letter.error,
          letter.attempts,
          letter.failedAt,
          letter.consumer,
          letter.replyTo ? replyChannel(ns, letter.replyTo) : "",
          letter.reply,
        ],
      );
      outcomeOf("dead_letter", code, fence);
    },
    async deadLetters(shard, count) {
      const entries = await redis.xrevrange(keysOf(shard).dead, "+", "-", "COUNT", count);
      return entries.map(deadLetterOf);
    },
    async tidyMailbox(fence, consumer, consumerIdleMs) {
      const keys = keysOf(fence.shard);
      const trimmed = await run(
        "tidy_mailbox",
        [keys.lease, keys.mailbox],
        [...fenced(fence), MAILBOX_GROUP, consumerIdleMs, consumer],
      );
      if (typeof trimmed === "number" && trimmed >= 0) return trimmed;
      outcomeOf("tidy_mailbox", trimmed, fence);
      return 0;
    },
    async pendingCount(shard) {
      try {
        const summary = (await redis.xpending(keysOf(shard).mailbox, MAILBOX_GROUP)) as [number];
        return Number(summary[0]);
      } catch (error) {
        if (String((error as Error).message).includes("NOGROUP")) return 0;
        throw error;
      }
    },

    async loadState(shard, actorType, actorId) {
      try {
        const entries = await redis.hgetall(keysOf(shard).state(actorType, actorId));
        return Object.keys(entries).length === 0 ? null : entries;
      } catch (error) {
        // A state kept as one string (before states were stored as entries) reads as none: the
        // actor is rebuilt, and its first commit replaces the key.
        if (String((error as Error).message).includes("WRONGTYPE")) return null;
        throw error;
      }
    },

    async deliverDueReminders(fence, now, limit) {
      const keys = keysOf(fence.shard);
      const moved = await run(
        "deliver_due_reminders",
        [keys.lease, keys.reminders, keys.mailbox],
        [...fenced(fence), now, limit],
      );
      if (typeof moved === "number" && moved >= 0) return moved;
      outcomeOf("deliver_due_reminders", moved, fence);
      return 0;
    },
    async reminders(shard) {
      const flat = await redis.zrange(keysOf(shard).reminders, "0", "-1", "WITHSCORES");
      const out: Reminder[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const [actorType, actorId, name] = JSON.parse(flat[i]!) as [string, string, string];
        out.push({ actorType, actorId, name, dueAt: Number(flat[i + 1]) });
      }
      return out;
    },

    async close() {
      reader?.disconnect();
      for (const subscriber of subscribers) subscriber.disconnect();
      subscribers.clear();
    },
  };
}
