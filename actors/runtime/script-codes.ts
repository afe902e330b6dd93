// The one place where the integer codes the runtime's scripts return (the Lua scripts in
// actors/scripts and their in-memory twins) become outcomes or errors, with the command name attached.

export const SCRIPT_CODES = {
  ok: 1,
  /** acquire_lease: someone else holds the lease. */
  none: 0,
  staleEpoch: -1,
  duplicate: -2,
  /** commit_batch: a part patches an actor state that is not stored (nothing of it written). */
  missing: -3,
} as const;

export type ScriptCommand =
  | "acquire_lease"
  | "renew_lease"
  | "release_lease"
  | "heartbeat_member"
  | "replay_done"
  | "commit_batch"
  | "claim_pending"
  | "deliver_due_reminders"
  | "tidy_mailbox"
  | "dead_letter";

/** Base of the runtime's own errors: a snake_case code and the script that reported it. */
export class ActorRuntimeError extends Error {
  override readonly name: string = "ActorRuntimeError";
  constructor(
    readonly code: "stale_epoch" | "script_failed",
    readonly command: ScriptCommand,
    message: string,
  ) {
    super(`${command}: ${message}`);
  }
}

/** The lease this worker acted under has expired or was granted to another owner since. */
export class StaleEpochError extends ActorRuntimeError {
  override readonly name = "StaleEpochError";
  constructor(
    command: ScriptCommand,
    readonly shard: number,
    readonly epoch: number,
  ) {
    super("stale_epoch", command, `shard ${shard}: lease at epoch ${epoch} is no longer held`);
  }
}

export type ScriptOutcome = "ok" | "none" | "duplicate" | "missing";

/** Maps a script's status code to an outcome; stale epochs and unknown codes throw. */
export function outcomeOf(
  command: ScriptCommand,
  code: unknown,
  fence: { shard: number; epoch: number },
): ScriptOutcome {
  switch (code) {
    case SCRIPT_CODES.ok:
      return "ok";
    case SCRIPT_CODES.none:
      return "none";
    case SCRIPT_CODES.duplicate:
      return "duplicate";
    case SCRIPT_CODES.missing:
      return "missing";
    case SCRIPT_CODES.staleEpoch:
      throw new StaleEpochError(command, fence.shard, fence.epoch);
    default:
      throw new ActorRuntimeError("script_failed", command, `unexpected reply ${JSON.stringify(code)}`);
  }
}
