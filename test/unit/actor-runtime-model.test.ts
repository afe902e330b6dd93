// Model-based test of the runtime's promise on the memory driver: random sends (command ids reused, so
// re-sends happen, some while in flight) interleaved with owner failovers. Every send is answered,
// all sends of one command id get the same answer, and each counter equals the sum over its distinct
// command ids: nothing lost, nothing applied twice.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ActorClient, ActorHost, createMemoryDriver } from "../../actors/runtime/index.ts";
import { createLogger } from "../../src/logger.ts";
import { type CounterReply, createCounterActor } from "../support/counter-actor.ts";

const logger = createLogger({ LOG_LEVEL: "silent" }, "actor-model");
const settings = { leaseTtlMs: 200, reminderPollMs: 20, readBlockMs: 20, orphanClaimMs: 200 };

const step = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("send" as const),
      actor: fc.integer({ min: 0, max: 2 }),
      id: fc.integer({ min: 0, max: 7 }),
      delayMs: fc.constantFrom(0, 0, 5, 40),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("failover" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("pause" as const), ms: fc.integer({ min: 1, max: 60 }) }),
  },
);

describe("actor runtime model", () => {
  it("answers every send once per command id, across failovers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        const driver = createMemoryDriver();
        const hosts: ActorHost[] = [];
        const startHost = async () => {
          const workerId = `w${hosts.length}`;
          const host = new ActorHost({
            driver,
            workerId,
            shardCount: 2,
            logger,
            settings,
            actors: [createCounterActor({ workerId })],
          });
          hosts.push(host);
          await host.start();
        };
        const client = new ActorClient({ driver, logger, timeoutMs: 5000 });
        await client.start();
        await startHost();
        const sends: { actor: number; id: number; reply: Promise<CounterReply> }[] = [];
        try {
          for (const s of steps) {
            if (s.kind === "send") {
              // The body is a function of the id: a re-send is the same command.
              const reply = client.send<CounterReply>(
                { actorType: "counter", actorId: `c${s.actor}`, shard: s.actor % 2 },
                { op: "add", amount: s.id + 1, ...(s.delayMs ? { delayMs: s.delayMs } : {}) },
                { commandId: `c${s.actor}-cmd${s.id}` },
              );
              sends.push({ actor: s.actor, id: s.id, reply });
            } else if (s.kind === "failover") {
              hosts.at(-1)!.halt();
              await startHost();
            } else {
              await new Promise((resolve) => setTimeout(resolve, s.ms));
            }
          }
          const replies = await Promise.all(sends.map((s) => s.reply));
          const answers = new Map<string, number>();
          sends.forEach((s, i) => {
            const key = `${s.actor}/${s.id}`;
            const count = replies[i]!.count;
            if (answers.has(key)) expect(count).toBe(answers.get(key));
            answers.set(key, count);
          });
          for (const actor of [0, 1, 2]) {
            const distinct = new Set(sends.filter((s) => s.actor === actor).map((s) => s.id));
            const expected = [...distinct].reduce((sum, id) => sum + id + 1, 0);
            const got = await client.send<CounterReply>(
              { actorType: "counter", actorId: `c${actor}`, shard: actor % 2 },
              { op: "get" },
            );
            expect(got.count).toBe(expected);
          }
          expect((await driver.pendingCount(0)) + (await driver.pendingCount(1))).toBe(0);
        } finally {
          await client.close();
          for (const host of hosts) await host.stop();
          await driver.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
