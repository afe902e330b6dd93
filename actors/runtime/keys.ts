// The Redis key layout of the actor runtime, built by pure functions so it is tested without Redis.
// Every key one script touches carries the same hash tag `{shard:N}`, so the scripts run unchanged on
// Redis Cluster. An optional namespace in front lets several runtimes (or test suites) share one Redis.

export interface ShardKeys {
  /** Hash {owner, epoch} with a TTL: the current lease. */
  lease: string;
  /** Integer, never expires: the last epoch granted, so epochs only grow. */
  epoch: string;
  /** Stream: the shard's durable mailbox. */
  mailbox: string;
  /** Sorted set: due time (ms) → reminder member. */
  reminders: string;
  /** Stream: commands set aside after their processing kept failing (the dead letters). */
  dead: string;
  /** Hash: an actor's state, one field per entry (its value JSON text). */
  state(actorType: string, actorId: string): string;
  result(commandId: string): string;
}

export const MAILBOX_GROUP = "actors";

/** About how many entries a shard's dead-letter stream keeps (XADD MAXLEN ~): the oldest go first. */
export const DEAD_LETTER_MAX_LENGTH = 10_000;

export function shardTag(namespace: string, shard: number): string {
  return `${namespace}{shard:${shard}}`;
}

export function shardKeys(namespace: string, shard: number): ShardKeys {
  const tag = shardTag(namespace, shard);
  return {
    lease: `${tag}:lease`,
    epoch: `${tag}:epoch`,
    mailbox: `${tag}:mailbox`,
    reminders: `${tag}:reminders`,
    dead: `${tag}:dead`,
    state: (actorType, actorId) => `${tag}:state:${actorType}:${actorId}`,
    result: (commandId) => `${tag}:result:${commandId}`,
  };
}

/** Sorted set of live workers scored by when their heartbeat lapses. */
export function membersKey(namespace: string): string {
  return `${namespace}{workers}:members`;
}

/** Pub/sub channel a caller (gateway process) receives its replies on. */
export function replyChannel(namespace: string, callerId: string): string {
  return `${namespace}actor-replies:${callerId}`;
}

/** One reminder of one actor; the sorted-set member (JSON keeps any character in ids and names safe). */
export function reminderMember(actorType: string, actorId: string, name: string): string {
  return JSON.stringify([actorType, actorId, name]);
}

/** Command id under which a fired reminder is deduplicated. */
export function reminderCommandId(member: string, dueAt: number): string {
  const [actorType, actorId, name] = JSON.parse(member) as [string, string, string];
  return `reminder:${actorType}:${actorId}:${name}:${dueAt}`;
}
