// Timing settings of the actor runtime, with defaults derived from the lease TTL.

export interface RuntimeSettings {
  /** Lease TTL: a worker that cannot renew within it loses its shards; failover takes about this long. */
  leaseTtlMs: number;
  /** Membership heartbeat TTL (same as the lease TTL unless set). */
  memberTtlMs: number;
  /** How often leases are renewed and placement is re-evaluated. */
  tickMs: number;
  /** How long a processed command's reply is kept for replays of the same command id. */
  replyRetentionMs: number;
  /** An actor idle this long is dropped from memory (its state stays in Redis). */
  passivateAfterMs: number;
  /** How often due reminders are moved into the mailboxes. */
  reminderPollMs: number;
  /** Entries pending this long with another consumer are taken over by the owner. */
  orphanClaimMs: number;
  /** Longest wait of one blocking mailbox read (bounds how fast a newly owned shard is read). */
  readBlockMs: number;
  /** Entries fetched per mailbox read. */
  readCount: number;
  /** Most commands of one actor decided (and flushed, and committed) together. */
  maxBatch: number;
  /** Reading pauses while this many commands are queued in memory (backpressure). */
  maxQueued: number;
  /** How often acknowledged mailbox entries are trimmed. */
  tidyEveryMs: number;
  /**
   * Tries of a command whose processing fails unexpectedly (flushWrites, activation or Redis throws
   * something other than an AppError) before it is set aside in the shard's dead-letter stream.
   */
  commandAttempts: number;
  /** Wait after a command's first failed try; it doubles after each further one, up to retryDelayMaxMs. */
  retryDelayMs: number;
  retryDelayMaxMs: number;
}

export function runtimeSettings(overrides: Partial<RuntimeSettings> = {}): RuntimeSettings {
  const leaseTtlMs = overrides.leaseTtlMs ?? 5000;
  return {
    leaseTtlMs,
    memberTtlMs: leaseTtlMs,
    tickMs: Math.max(50, Math.floor(leaseTtlMs / 4)),
    replyRetentionMs: 5 * 60_000,
    passivateAfterMs: 5 * 60_000,
    reminderPollMs: 250,
    orphanClaimMs: leaseTtlMs,
    readBlockMs: 200,
    readCount: 256,
    maxBatch: 64,
    maxQueued: 10_000,
    tidyEveryMs: 10_000,
    // 100 + 200 + 400 + 800 + 1600 ms between six tries: a poison command holds its actor about 3 s.
    commandAttempts: 6,
    retryDelayMs: 100,
    retryDelayMaxMs: 2000,
    ...overrides,
  };
}
