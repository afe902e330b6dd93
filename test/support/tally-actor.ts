// A test actor whose state is stored as entries (registered only in tests): named tallies, one entry
// each (`n:<name>`), and their total (`total`). A command names the entries it changed, so its commit
// writes those alone.
import { z } from "zod";
import { defineActor, type StateEntries } from "../../actors/runtime/index.ts";

export const tallyCommandSchema = z.discriminatedUnion("op", [
  z.strictObject({ op: z.literal("add"), name: z.string().min(1), amount: z.number().int() }),
  z.strictObject({ op: z.literal("drop"), name: z.string().min(1) }),
  z.strictObject({ op: z.literal("get") }),
]);
export type TallyCommand = z.infer<typeof tallyCommandSchema>;

export const tallyStateSchema = z.strictObject({
  total: z.number().int(),
  counts: z.record(z.string(), z.number().int()),
});
export type TallyState = z.infer<typeof tallyStateSchema>;

const TOTAL = "total";
const nameKey = (name: string) => `n:${name}`;

export const tallyEntries: StateEntries<TallyState> = {
  *all(state) {
    yield [TOTAL, state.total];
    for (const [name, count] of Object.entries(state.counts)) yield [nameKey(name), count];
  },
  get(state, key) {
    if (key === TOTAL) return state.total;
    return key.startsWith("n:") ? state.counts[key.slice(2)] : undefined;
  },
  from(entries) {
    const counts: Record<string, number> = {};
    for (const [key, value] of entries) if (key.startsWith("n:")) counts[key.slice(2)] = value as number;
    return { total: entries.get(TOTAL) as number, counts };
  },
};

export function createTallyActor() {
  return defineActor<TallyState, TallyCommand, TallyState>({
    type: "tally",
    stateSchema: tallyStateSchema,
    commandSchema: tallyCommandSchema,
    entries: tallyEntries,
    rebuild: () => ({ total: 0, counts: {} }),
    handle(ctx, command) {
      const { total, counts } = ctx.state;
      switch (command.op) {
        case "add": {
          const count = (counts[command.name] ?? 0) + command.amount;
          const next = { total: total + command.amount, counts: { ...counts, [command.name]: count } };
          ctx.setState(next, [TOTAL, nameKey(command.name)]);
          break;
        }
        case "drop": {
          const { [command.name]: dropped = 0, ...rest } = counts;
          ctx.setState({ total: total - dropped, counts: rest }, [TOTAL, nameKey(command.name)]);
          break;
        }
        case "get":
          break;
      }
      return ctx.state;
    },
  });
}
