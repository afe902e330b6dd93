// A trivial actor for testing the generic runtime (registered only in tests): a counter that adds,
// can be slow, refuses on request, fails on request, and sets reminders that add 100 when they fire.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { defineActor } from "../../actors/runtime/index.ts";
import { AppError } from "../../src/errors.ts";

export const counterCommandSchema = z.discriminatedUnion("op", [
  z.strictObject({
    op: z.literal("add"),
    amount: z.number().int(),
    delayMs: z.number().int().min(0).max(20_000).optional(),
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

export function createCounterActor(options: { workerId: string; seed?: (actorId: string) => number }) {
  return defineActor({
    type: "counter",
    stateSchema: counterStateSchema,
    commandSchema: counterCommandSchema,
    rebuild: (ctx) => ({ count: options.seed?.(ctx.actorId) ?? 0, reminded: [] }),
    async handle(ctx, command): Promise<CounterReply> {
      switch (command.op) {
        case "add":
          if (command.delayMs) await sleep(command.delayMs);
          ctx.setState({ ...ctx.state, count: ctx.state.count + command.amount });
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
    onReminder(ctx, name) {
      ctx.setState({ count: ctx.state.count + 100, reminded: [...ctx.state.reminded, name] });
    },
  });
}
