// A trivial actor for testing the generic runtime (registered only in tests): a counter that adds,
// can be slow, refuses on request, fails on request (in its handler or its ledger's flush), and sets
// reminders that add 100 when they fire.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { DecideAgainError, defineActor } from "../../actors/runtime/index.ts";
import { AppError } from "../../src/errors.ts";

export const counterCommandSchema = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("add"),
    amount: z.number().int(),
    delayMs: z.number().int().min(0).max(20_000).optional(),
    /**
     * Also record the add in the ledger (flushWrites); an amount of 13 is refused there, 17 is found
     * stale once (decided again), 19 is found stale every time; 23 always fails there with a plain
     * Error (the ledger unreachable), 29 fails so twice and then lands.
     */
    ledger: z.boolean().optional(),
  }),
  z.strictObject({ op: z.literal("get") }),
  z.strictObject({ op: z.literal("refuse") }),
  z.strictObject({ op: z.literal("crash") }),
  z.strictObject({ op: z.literal("remind"), name: z.string().min(1), inMs: z.number().int().min(0) }),
  z.strictObject({ op: z.literal("forget"), name: z.string().min(1) }),
]);
export type CounterCommand = z.infer<typeof counterCommandSchema>;

export const counterStateSchema = z.strictObject({ count: z.number().int(), reminded: z.array(z.string()) });
export type CounterState = z.infer<typeof counterStateSchema>;

export interface CounterReply {
  count: number;
  /** Worker that decided the command. */
  by: string;
}

/** Stands in for PostgreSQL: what flushWrites made durable, and how many flushes it took. */
export interface CounterLedger {
  rows: { commandId: string; amount: number }[];
  flushes: number;
  /** Command ids whose flush was once refused as stale (amount 17). */
  staleOnce?: string[];
  /** Flushes that failed unexpectedly, per command id (amounts 23 and 29). */
  faults?: Map<string, number>;
}

export function createCounterActor(options: {
  workerId: string;
  seed?: (actorId: string) => number;
  ledger?: CounterLedger;
}) {
  return defineActor<CounterState, CounterCommand, CounterReply, { commandId: string; amount: number }>({
    type: "counter",
    stateSchema: counterStateSchema,
    commandSchema: counterCommandSchema,
    rebuild: (ctx) => ({ count: options.seed?.(ctx.actorId) ?? 0, reminded: [] }),
    async handle(ctx, command): Promise<CounterReply> {
      switch (command.op) {
        case "add":
          if (command.delayMs) await sleep(command.delayMs);
          ctx.setState({ ...ctx.state, count: ctx.state.count + command.amount });
          if (command.ledger) ctx.stageWrite({ commandId: ctx.commandId, amount: command.amount });
          break;
        case "get":
          break;
        case "refuse":
          throw new AppError("conflict", 409, "counter refuses");
        case "crash":
          ctx.setState({ ...ctx.state, count: -1_000_000 });
          throw new Error("counter crashed");
        case "remind":
          ctx.setReminder(command.name, ctx.now() + command.inMs);
          break;
        case "forget":
          ctx.cancelReminder(command.name);
          break;
      }
      return { count: ctx.state.count, by: options.workerId };
    },
    async flushWrites(writes) {
      const ledger = options.ledger;
      if (!ledger) return;
      ledger.flushes += 1;
      // Like a constraint violation: the whole transaction fails, whichever row caused it.
      if (writes.some((w) => w.amount === 13))
        throw new AppError("conflict", 409, "13 is refused by the ledger");
      ledger.faults ??= new Map();
      const faults = ledger.faults;
      const faulty = writes.find(
        (w) => w.amount === 23 || (w.amount === 29 && (faults.get(w.commandId) ?? 0) < 2),
      );
      if (faulty) {
        faults.set(faulty.commandId, (faults.get(faulty.commandId) ?? 0) + 1);
        throw new Error("the ledger is unreachable");
      }
      if (writes.some((w) => w.amount === 19))
        throw new DecideAgainError(new AppError("conflict", 409, "19 is always stale"));
      ledger.staleOnce ??= [];
      const staleOnce = ledger.staleOnce;
      const first17 = writes.find((w) => w.amount === 17 && !staleOnce.includes(w.commandId));
      if (first17) {
        staleOnce.push(first17.commandId);
        throw new DecideAgainError(new AppError("conflict", 409, "17 looked stale"));
      }
      for (const write of writes) {
        if (!ledger.rows.some((r) => r.commandId === write.commandId)) ledger.rows.push(write);
      }
    },
    onReminder(ctx, name) {
      ctx.setState({ count: ctx.state.count + 100, reminded: [...ctx.state.reminded, name] });
    },
  });
}
