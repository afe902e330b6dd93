// The context one command runs in: it stages state, reminder changes and after-commit effects, so
// that nothing is written unless the handler returns and the fenced commit succeeds.
import type { Logger } from "../../src/logger.ts";
import type { ActorContext } from "./actor.ts";
import type { Fence, ReminderOp } from "./driver.ts";
import { mergeChange, type StateChange } from "./state-entries.ts";

export class CommandScope<S, W = unknown> implements ActorContext<S, W> {
  state: S;
  /** What the handler changed of the state (undefined: nothing). */
  stateChange: StateChange | undefined;
  readonly reminderOps: ReminderOp[] = [];
  readonly effects: Array<() => void | Promise<void>> = [];
  readonly writes: W[] = [];
  replayed = false;

  constructor(
    readonly actorType: string,
    readonly actorId: string,
    private readonly fence: Fence,
    readonly commandId: string,
    initial: S,
    readonly logger: Logger,
    private readonly clock: () => number,
    private readonly leaseCheck: () => void,
    readonly fingerprint: string | undefined = undefined,
  ) {
    this.state = initial;
  }

  markReplayed() {
    this.replayed = true;
  }

  get shard() {
    return this.fence.shard;
  }
  get epoch() {
    return this.fence.epoch;
  }
  now() {
    return this.clock();
  }
  setState(next: S, touched?: readonly string[]) {
    this.state = next;
    this.stateChange = mergeChange(this.stateChange, touched === undefined ? "whole" : new Set(touched));
  }
  deleteState() {
    this.stateChange = "delete";
  }
  setReminder(name: string, dueAt: number) {
    if (!Number.isFinite(dueAt)) throw new Error(`reminder ${name}: due time must be a number of ms`);
    this.reminderOps.push({
      op: "set",
      actorType: this.actorType,
      actorId: this.actorId,
      name,
      dueAt: Math.floor(dueAt),
    });
  }
  cancelReminder(name: string) {
    this.reminderOps.push({ op: "cancel", actorType: this.actorType, actorId: this.actorId, name });
  }
  assertLeaseHeld() {
    this.leaseCheck();
  }
  stageWrite(write: W) {
    this.writes.push(write);
  }
  afterCommit(effect: () => void | Promise<void>) {
    this.effects.push(effect);
  }
}
