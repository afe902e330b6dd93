// Counters one actor host keeps for /healthz, metrics and the fault tests.

export interface HostStats {
  commandsProcessed: number;
  remindersFired: number;
  repliesReplayed: number;
  duplicatesRefused: number;
  /** Batches decided again because flushWrites found the actor's state stale. */
  decidedAgain: number;
  /** Fenced writes Redis refused because the lease had moved on (stale epoch). */
  staleWritesRefused: number;
  leasesAcquired: number;
  leasesLost: number;
  leasesReleased: number;
  pendingClaimed: number;
  actorsActivated: number;
  actorsPassivated: number;
  /** Decided batches committed (each actor's batch is one part of a fenced commit call). */
  batchesCommitted: number;
  /** Fenced commit calls (one Redis round trip each, holding the batches of one shard's actors). */
  commitCalls: number;
  /** Mailbox reads that returned entries. */
  mailboxReads: number;
  /** Entries those reads returned. */
  entriesRead: number;
  /** Commands set aside in the dead-letter stream after their processing kept failing. */
  deadLettered: number;
}

export function emptyStats(): HostStats {
  return {
    commandsProcessed: 0,
    remindersFired: 0,
    repliesReplayed: 0,
    duplicatesRefused: 0,
    decidedAgain: 0,
    staleWritesRefused: 0,
    leasesAcquired: 0,
    leasesLost: 0,
    leasesReleased: 0,
    pendingClaimed: 0,
    actorsActivated: 0,
    actorsPassivated: 0,
    batchesCommitted: 0,
    commitCalls: 0,
    mailboxReads: 0,
    entriesRead: 0,
    deadLettered: 0,
  };
}
