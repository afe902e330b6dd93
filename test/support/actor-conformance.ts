// One conformance suite for the actor runtime, run against every driver (memory and Redis): the
// driver contract (leases, fencing, mailbox, stored replies, reminders, membership), then the host and
// client end to end with the counter test actor (ordering, refusals, replays, activation, reminders,
// failover, placement).
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeEnvelope, decodeReplies } from "../../actors/runtime/envelope.ts";
import {
  ActorClient,
  type ActorDriver,
  ActorHost,
  type CommitRequest,
  type Fence,
  type RuntimeSettings,
  StaleEpochError,
} from "../../actors/runtime/index.ts";
import { reminderCommandId, reminderMember } from "../../actors/runtime/keys.ts";
import { AppError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { type CounterLedger, type CounterReply, createCounterActor } from "./counter-actor.ts";
import { createTallyActor, type TallyState } from "./tally-actor.ts";

export interface DriverFactory {
  /** A driver on a fresh, empty store (its own namespace). */
  create(): Promise<ActorDriver>;
}

const logger = createLogger({ LOG_LEVEL: "silent" }, "actor-conformance");

export async function waitFor<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(20);
    last = await probe();
  }
  return last;
}

/** A state write of these entries only (the old ones go). */
function replace(entries: Record<string, string>) {
  return { op: "replace" as const, entries };
}

function envelope(commandId: string, actorId = "a", body: unknown = { op: "get" }) {
  return {
    kind: "command" as const,
    commandId,
    actorType: "counter",
    actorId,
    body,
    sentAt: Date.now(),
  };
}

export function describeActorRuntime(name: string, factory: DriverFactory) {
  describe(`actor runtime conformance: ${name} driver`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function newDriver() {
      const driver = await factory.create();
      cleanups.push(() => driver.close());
      return driver;
    }

    async function lease(driver: ActorDriver, shard: number, owner: string, ttlMs = 5000): Promise<Fence> {
      const grant = await driver.acquireLease(shard, owner, ttlMs);
      if (!grant.granted) throw new Error(`lease on ${shard} not granted to ${owner}`);
      await driver.ensureMailbox(shard);
      return { shard, owner, epoch: grant.epoch };
    }

    /** Messages on a caller's reply channel, as they arrive. */
    async function listen(driver: ActorDriver, callerId: string): Promise<string[]> {
      const heard: string[] = [];
      const subscription = await driver.subscribeReplies(callerId, (raw) => heard.push(raw));
      cleanups.push(() => subscription.close());
      return heard;
    }

    describe("driver contract", () => {
      it("grants leases with ever higher epochs, one owner at a time, and again after expiry", async () => {
        const driver = await newDriver();
        const first = await driver.acquireLease(0, "a", 200);
        expect(first.granted).toBe(true);
        const refused = await driver.acquireLease(0, "b", 200);
        expect(refused).toEqual({ granted: false, epoch: first.epoch });
        const again = await driver.acquireLease(0, "a", 200);
        expect(again.granted && again.epoch > first.epoch).toBe(true);
        expect(await driver.currentLease(0)).toEqual({ owner: "a", epoch: again.epoch });
        await sleep(300);
        expect(await driver.currentLease(0)).toBeNull();
        const taken = await driver.acquireLease(0, "b", 5000);
        expect(taken.granted && taken.epoch > again.epoch).toBe(true);
        const stale = { shard: 0, owner: "a", epoch: again.epoch };
        await expect(driver.renewLease(stale, 5000)).rejects.toBeInstanceOf(StaleEpochError);
        await driver.releaseLease(stale); // a no-op, not an error
        expect((await driver.currentLease(0))?.owner).toBe("b");
        await driver.renewLease({ shard: 0, owner: "b", epoch: taken.epoch }, 5000);
        await driver.releaseLease({ shard: 0, owner: "b", epoch: taken.epoch });
        expect(await driver.currentLease(0)).toBeNull();
        const other = await driver.acquireLease(1, "a", 5000);
        expect(other.granted).toBe(true);
      });

      it("refuses every write under a stale epoch and writes nothing", async () => {
        const driver = await newDriver();
        const old = await lease(driver, 2, "a");
        await driver.append(2, envelope("c1"));
        const [delivery] = await driver.read("a", [2], { count: 10, blockMs: 0 });
        expect(delivery?.entryId).toBeTruthy();
        await driver.releaseLease(old);
        const current = await lease(driver, 2, "b");
        const write = {
          actorType: "counter",
          actorId: "a",
          state: replace({ count: "1" }),
          reminders: [{ op: "set" as const, actorType: "counter", actorId: "a", name: "r", dueAt: 1 }],
          commands: [
            {
              entryId: delivery!.entryId,
              commandId: "c1",
              reply: JSON.stringify({ commandId: "c1", ok: true, value: 1 }),
              storeReplyMs: 60_000,
            },
          ],
        };
        await expect(driver.commit(old, write)).rejects.toBeInstanceOf(StaleEpochError);
        await expect(
          driver.replayDone(old, [{ entryId: delivery!.entryId, commandId: "c1" }]),
        ).rejects.toBeInstanceOf(StaleEpochError);
        await expect(driver.claimPending(old, "a", { minIdleMs: 0, count: 10 })).rejects.toBeInstanceOf(
          StaleEpochError,
        );
        await expect(driver.deliverDueReminders(old, Date.now(), 10)).rejects.toBeInstanceOf(StaleEpochError);
        await expect(driver.tidyMailbox(old, "a", 0)).rejects.toBeInstanceOf(StaleEpochError);
        expect(await driver.loadState(2, "counter", "a")).toBeNull();
        expect(await driver.storedReply(2, "c1")).toBeNull();
        expect(await driver.reminders(2)).toEqual([]);
        expect(await driver.pendingCount(2)).toBe(1);

        expect(await driver.commit(current, write)).toBe("committed");
        expect(await driver.loadState(2, "counter", "a")).toEqual({ count: "1" });
        expect(await driver.pendingCount(2)).toBe(0);
        expect(await driver.reminders(2)).toEqual([
          { actorType: "counter", actorId: "a", name: "r", dueAt: 1 },
        ]);
      });

      it("hands the entries a dead consumer left pending to the next owner", async () => {
        const driver = await newDriver();
        const dead = await lease(driver, 3, "a");
        for (const id of ["c1", "c2", "c3"]) await driver.append(3, envelope(id));
        const taken = await driver.read("a", [3], { count: 10, blockMs: 0 });
        expect(taken.map((d) => decodeEnvelope(d.raw)?.commandId)).toEqual(["c1", "c2", "c3"]);
        await driver.releaseLease(dead);
        const next = await lease(driver, 3, "b");
        expect(await driver.claimPending(next, "b", { minIdleMs: 60_000, count: 10 })).toEqual([]);
        const claimed = await driver.claimPending(next, "b", { minIdleMs: 0, count: 2 });
        expect(claimed.map((d) => d.entryId)).toEqual(taken.map((d) => d.entryId));
        expect(claimed.every((d) => d.raw !== undefined)).toBe(true);
        expect(await driver.read("b", [3], { count: 10, blockMs: 0 })).toEqual([]);
        for (const d of claimed)
          await driver.commit(next, {
            actorType: "counter",
            actorId: "a",
            commands: [{ entryId: d.entryId }],
          });
        expect(await driver.pendingCount(3)).toBe(0);
      });

      it("waits in a blocking read until a command arrives", async () => {
        const driver = await newDriver();
        await lease(driver, 4, "a");
        const started = Date.now();
        const reading = driver.read("a", [4], { count: 10, blockMs: 2000 });
        await sleep(100);
        await driver.append(4, envelope("late"));
        const got = await reading;
        expect(got.map((d) => decodeEnvelope(d.raw)?.commandId)).toEqual(["late"]);
        expect(Date.now() - started).toBeLessThan(1500);
        expect(await driver.read("a", [4], { count: 10, blockMs: 50 })).toEqual([]);
      });

      it("stores a reply per command id: a repeat writes nothing and the stored reply is replayed", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 5, "a");
        const heard = await listen(driver, "caller-1");
        const reply = JSON.stringify({ commandId: "cmd-1", ok: true, value: { count: 1 } });
        await driver.append(5, envelope("cmd-1"));
        await driver.append(5, envelope("cmd-1"));
        const [first, second] = await driver.read("a", [5], { count: 10, blockMs: 0 });
        const commit = (entryId: string, state: string) =>
          driver.commit(fence, {
            actorType: "counter",
            actorId: "a",
            state: replace({ "": state }),
            commands: [
              {
                entryId,
                commandId: "cmd-1",
                reply,
                storeReplyMs: 60_000,
                replyTo: "caller-1",
                fingerprint: "fp-1",
              },
            ],
          });
        expect(await driver.replayDone(fence, [{ entryId: first!.entryId, commandId: "cmd-1" }])).toEqual([
          "run",
        ]);
        expect(await commit(first!.entryId, "one")).toBe("committed");
        await waitFor(
          () => heard.length,
          (n) => n === 1,
        );
        expect(await commit(second!.entryId, "two")).toBe("duplicate");
        expect(await driver.loadState(5, "counter", "a")).toEqual({ "": "one" });
        expect(await driver.pendingCount(5)).toBe(1);
        // Another request under the same command id: told apart, nothing done.
        expect(
          await driver.replayDone(fence, [
            { entryId: second!.entryId, commandId: "cmd-1", replyTo: "caller-1", fingerprint: "fp-2" },
          ]),
        ).toEqual(["mismatch"]);
        expect(await driver.pendingCount(5)).toBe(1);
        expect(
          await driver.replayDone(fence, [
            { entryId: second!.entryId, commandId: "unknown" },
            { entryId: second!.entryId, commandId: "cmd-1", replyTo: "caller-1", fingerprint: "fp-1" },
          ]),
        ).toEqual(["run", "replayed"]);
        await waitFor(
          () => heard.length,
          (n) => n === 2,
        );
        expect(await driver.storedReply(5, "cmd-1")).toEqual({ fingerprint: "fp-1", reply });
        expect(await driver.pendingCount(5)).toBe(0);
        // The commit sends its replies as a list (one here), the replay the stored reply alone,
        // marked replayed and otherwise byte for byte.
        expect(heard).toEqual([`[${reply}]`, `{"replayed":true,${reply.slice(1)}`]);
      });

      it("commits a batch of commands at once: one state, every reply stored, acked and sent", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 8, "a");
        const heard = await listen(driver, "caller-2");
        for (const id of ["b1", "b2", "b1"]) await driver.append(8, { ...envelope(id), replyTo: "caller-2" });
        const entries = await driver.read("a", [8], { count: 10, blockMs: 0 });
        const replyOf = (id: string) => JSON.stringify({ commandId: id, ok: true, value: id });
        const outcome = await driver.commit(fence, {
          actorType: "counter",
          actorId: "a",
          state: replace({ n: "after-batch" }),
          commands: entries.map((e, i) => {
            const id = ["b1", "b2", "b1"][i]!;
            return {
              entryId: e.entryId,
              commandId: id,
              reply: replyOf(id),
              storeReplyMs: 60_000,
              replyTo: "caller-2",
            };
          }),
        });
        expect(outcome).toBe("committed");
        expect(await driver.loadState(8, "counter", "a")).toEqual({ n: "after-batch" });
        expect(await driver.pendingCount(8)).toBe(0);
        expect((await driver.storedReply(8, "b1"))?.reply).toBe(replyOf("b1"));
        expect((await driver.storedReply(8, "b2"))?.reply).toBe(replyOf("b2"));
        // One message for the caller: its replies in batch order.
        await waitFor(
          () => heard.length,
          (n) => n === 1,
        );
        expect(heard).toEqual([`[${replyOf("b1")},${replyOf("b2")},${replyOf("b1")}]`]);
      });

      it("commits several actors' batches of one shard in one call; a duplicate part alone writes nothing", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 9, "a");
        const heard = await listen(driver, "caller-3");
        // "old" was decided before: the part that holds it again is a caller's resend.
        await driver.commit(fence, {
          actorType: "counter",
          actorId: "y",
          commands: [{ commandId: "old", reply: "{}", storeReplyMs: 60_000 }],
        });
        const ids = ["x1", "y1", "old", "z1", "x2"];
        for (const id of ids) await driver.append(9, { ...envelope(id), replyTo: "caller-3" });
        const entries = await driver.read("a", [9], { count: 10, blockMs: 0 });
        const replyOf = (id: string) => JSON.stringify({ commandId: id, ok: true, value: id });
        const command = (i: number) => ({
          entryId: entries[i]!.entryId,
          commandId: ids[i]!,
          reply: replyOf(ids[i]!),
          storeReplyMs: 60_000,
          replyTo: "caller-3",
        });
        const reminder = (actorId: string) => ({
          op: "set" as const,
          actorType: "counter",
          actorId,
          name: "r",
          dueAt: 10,
        });
        const outcomes = await driver.commitGroup(fence, [
          {
            actorType: "counter",
            actorId: "x",
            state: replace({ n: "x-after" }),
            reminders: [reminder("x")],
            commands: [command(0), command(4)],
          },
          {
            actorType: "counter",
            actorId: "y",
            state: replace({ n: "y-after" }),
            reminders: [reminder("y")],
            commands: [command(1), command(2)],
          },
          {
            actorType: "counter",
            actorId: "z",
            state: replace({ n: "z-after" }),
            commands: [command(3)],
          },
        ]);
        expect(outcomes).toEqual(["committed", "duplicate", "committed"]);
        expect(await driver.loadState(9, "counter", "x")).toEqual({ n: "x-after" });
        expect(await driver.loadState(9, "counter", "y")).toBeNull();
        expect(await driver.loadState(9, "counter", "z")).toEqual({ n: "z-after" });
        expect((await driver.reminders(9)).map((r) => r.actorId)).toEqual(["x"]);
        expect((await driver.storedReply(9, "x1"))?.reply).toBe(replyOf("x1"));
        expect((await driver.storedReply(9, "x2"))?.reply).toBe(replyOf("x2"));
        expect((await driver.storedReply(9, "z1"))?.reply).toBe(replyOf("z1"));
        expect(await driver.storedReply(9, "y1")).toBeNull();
        expect((await driver.storedReply(9, "old"))?.reply).toBe("{}");
        // The duplicate part's entries stay pending (acked once replayed); the others are acked.
        const left = await driver.claimPending(fence, "a", { minIdleMs: 0, count: 10 });
        expect(left.map((d) => decodeEnvelope(d.raw)?.commandId)).toEqual(["y1", "old"]);
        // One message for the caller: the committed parts' replies, part then batch order.
        await waitFor(
          () => heard.length,
          (n) => n === 1,
        );
        expect(heard).toEqual([`[${[replyOf("x1"), replyOf("x2"), replyOf("z1")].join(",")}]`]);
      });

      it("applies a group's parts in order: a command id an earlier part stored makes a later one a duplicate", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 10, "a");
        const part = (actorId: string, commandId: string) => ({
          actorType: "counter",
          actorId,
          state: replace({ n: `${actorId}-state` }),
          commands: [{ commandId, reply: `"${actorId}"`, storeReplyMs: 60_000 }],
        });
        expect(
          await driver.commitGroup(fence, [part("p", "same"), part("q", "same"), part("r", "own")]),
        ).toEqual(["committed", "duplicate", "committed"]);
        expect((await driver.storedReply(10, "same"))?.reply).toBe('"p"');
        expect(await driver.loadState(10, "counter", "q")).toBeNull();
        expect(await driver.loadState(10, "counter", "r")).toEqual({ n: "r-state" });
        expect(await driver.commitGroup(fence, [])).toEqual([]);
      });

      it("stores a state as entries: replace sets exactly these, patch sets and removes some, delete drops all", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 13, "a");
        const write = (state: CommitRequest["state"]) =>
          driver.commit(fence, { actorType: "tally", actorId: "t", ...(state ? { state } : {}) });
        const load = () => driver.loadState(13, "tally", "t");
        expect(await write(replace({ a: "1", b: '"two"', "": "whole" }))).toBe("committed");
        expect(await load()).toEqual({ a: "1", b: '"two"', "": "whole" });
        expect(await write({ op: "patch", set: { b: "2", c: "3" }, remove: ["a", "absent"] })).toBe(
          "committed",
        );
        expect(await load()).toEqual({ b: "2", c: "3", "": "whole" });
        expect(await write(undefined)).toBe("committed");
        expect(await load()).toEqual({ b: "2", c: "3", "": "whole" });
        expect(await write(replace({ d: "4" }))).toBe("committed");
        expect(await load()).toEqual({ d: "4" });
        // A state whose last entry is removed is no state at all.
        expect(await write({ op: "patch", set: {}, remove: ["d"] })).toBe("committed");
        expect(await load()).toBeNull();
        expect(await write(replace({ e: "5" }))).toBe("committed");
        expect(await write({ op: "delete" })).toBe("committed");
        expect(await load()).toBeNull();
        // Thousands of entries in one write (a garage's bookings) and most of them removed in one.
        const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`b:${i}`, `{"i":${i}}`]));
        expect(await write(replace(many))).toBe("committed");
        expect(await load()).toEqual(many);
        const removed = Object.keys(many).slice(0, 2500);
        expect(await write({ op: "patch", set: { "b:0": "{}" }, remove: removed.slice(1) })).toBe(
          "committed",
        );
        const left = await load();
        expect(Object.keys(left ?? {})).toHaveLength(501);
        expect(left?.["b:0"]).toBe("{}");
        expect(left?.["b:2999"]).toBe('{"i":2999}');
      });

      it("refuses a patch of a state that is not stored as missing: nothing of that part is written", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 14, "a");
        await driver.append(14, envelope("p1", "gone"));
        const [delivery] = await driver.read("a", [14], { count: 10, blockMs: 0 });
        const patch = {
          actorType: "tally",
          actorId: "gone",
          state: { op: "patch" as const, set: { a: "1" }, remove: [] },
          reminders: [{ op: "set" as const, actorType: "tally", actorId: "gone", name: "r", dueAt: 1 }],
          commands: [{ entryId: delivery!.entryId, commandId: "p1", reply: "1", storeReplyMs: 60_000 }],
        };
        const other = { actorType: "tally", actorId: "kept", state: replace({ a: "1" }) };
        expect(await driver.commitGroup(fence, [patch, other])).toEqual(["missing", "committed"]);
        expect(await driver.loadState(14, "tally", "gone")).toBeNull();
        expect(await driver.loadState(14, "tally", "kept")).toEqual({ a: "1" });
        expect(await driver.storedReply(14, "p1")).toBeNull();
        expect(await driver.reminders(14)).toEqual([]);
        expect(await driver.pendingCount(14)).toBe(1);
        // Once the state is written whole, a patch lands.
        expect(await driver.commit(fence, { ...patch, state: replace({ b: "2" }) })).toBe("committed");
        expect(await driver.commit(fence, { ...patch, commands: [] })).toBe("committed");
        expect(await driver.loadState(14, "tally", "gone")).toEqual({ a: "1", b: "2" });
        expect(await driver.pendingCount(14)).toBe(0);
      });

      it("refuses a whole group under a stale epoch and writes none of its parts", async () => {
        const driver = await newDriver();
        const old = await lease(driver, 11, "a");
        for (const id of ["s1", "s2"]) await driver.append(11, envelope(id, id));
        const entries = await driver.read("a", [11], { count: 10, blockMs: 0 });
        await driver.releaseLease(old);
        const current = await lease(driver, 11, "b");
        const parts = entries.map((e, i) => ({
          actorType: "counter",
          actorId: `s${i + 1}`,
          state: replace({ n: "stale" }),
          commands: [{ entryId: e.entryId, commandId: `s${i + 1}`, reply: "1", storeReplyMs: 60_000 }],
        }));
        await expect(driver.commitGroup(old, parts)).rejects.toBeInstanceOf(StaleEpochError);
        for (const actorId of ["s1", "s2"]) {
          expect(await driver.loadState(11, "counter", actorId)).toBeNull();
          expect(await driver.storedReply(11, actorId)).toBeNull();
        }
        expect(await driver.pendingCount(11)).toBe(2);
        expect(await driver.commitGroup(current, parts)).toEqual(["committed", "committed"]);
        expect(await driver.pendingCount(11)).toBe(0);
      });

      it("sets a command aside: a dead letter, its entry acked and a failure reply sent, nothing stored", async () => {
        const driver = await newDriver();
        const old = await lease(driver, 12, "a");
        const heard = await listen(driver, "caller-4");
        const sent = { ...envelope("bad-1"), replyTo: "caller-4" };
        await driver.append(12, sent);
        const [delivery] = await driver.read("a", [12], { count: 10, blockMs: 0 });
        const reply = JSON.stringify({
          commandId: "bad-1",
          ok: false,
          error: { code: "actor_failed", status: 500, message: "set aside" },
        });
        const letter = {
          entryId: delivery!.entryId,
          raw: delivery!.raw!,
          error: "boom",
          attempts: 6,
          failedAt: 1234,
          consumer: "b",
          reply,
          replyTo: "caller-4",
        };
        await driver.releaseLease(old);
        const current = await lease(driver, 12, "b");
        await expect(driver.deadLetter(old, letter)).rejects.toBeInstanceOf(StaleEpochError);
        expect(await driver.deadLetters(12, 10)).toEqual([]);
        expect(await driver.pendingCount(12)).toBe(1);

        await driver.deadLetter(current, letter);
        expect(await driver.pendingCount(12)).toBe(0);
        expect(await driver.storedReply(12, "bad-1")).toBeNull();
        await waitFor(
          () => heard.length,
          (n) => n === 1,
        );
        expect(heard).toEqual([reply]);
        const [dead] = await driver.deadLetters(12, 10);
        const { reply: _reply, replyTo: _replyTo, ...kept } = letter;
        expect(dead).toEqual({ id: expect.any(String), ...kept });
        expect(decodeEnvelope(dead!.raw)).toEqual(sent);
        // Newest first, at most the count asked for.
        await driver.deadLetter(current, { ...letter, error: "again" });
        expect((await driver.deadLetters(12, 10)).map((d) => d.error)).toEqual(["again", "boom"]);
        expect((await driver.deadLetters(12, 1)).map((d) => d.error)).toEqual(["again"]);
      });

      it("keeps reminders until due, then moves them into the mailbox as reminder commands", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 6, "a");
        const now = Date.now();
        const set = (name: string, dueAt: number) => ({
          op: "set" as const,
          actorType: "counter",
          actorId: "x",
          name,
          dueAt,
        });
        await driver.commit(fence, {
          actorType: "counter",
          actorId: "x",
          reminders: [set("due", now - 10), set("later", now + 60_000), set("moved", now - 5)],
        });
        await driver.commit(fence, {
          actorType: "counter",
          actorId: "x",
          reminders: [
            set("moved", now + 30_000),
            set("gone", now - 1),
            { op: "cancel", actorType: "counter", actorId: "x", name: "gone" },
          ],
        });
        expect((await driver.reminders(6)).map((r) => r.name).sort()).toEqual(["due", "later", "moved"]);
        expect(await driver.deliverDueReminders(fence, now, 100)).toBe(1);
        expect((await driver.reminders(6)).map((r) => r.name).sort()).toEqual(["later", "moved"]);
        const [delivery] = await driver.read("a", [6], { count: 10, blockMs: 0 });
        expect(decodeEnvelope(delivery?.raw)).toEqual({
          kind: "reminder",
          commandId: reminderCommandId(reminderMember("counter", "x", "due"), now - 10),
          actorType: "counter",
          actorId: "x",
          name: "due",
          dueAt: now - 10,
        });
        expect(await driver.deliverDueReminders(fence, now, 100)).toBe(0);
      });

      it("trims acknowledged entries but never a pending one", async () => {
        const driver = await newDriver();
        const fence = await lease(driver, 7, "a");
        for (let i = 0; i < 5; i++) await driver.append(7, envelope(`c${i}`));
        const read = await driver.read("a", [7], { count: 10, blockMs: 0 });
        for (const d of read.slice(0, 3))
          await driver.commit(fence, {
            actorType: "counter",
            actorId: "a",
            commands: [{ entryId: d.entryId }],
          });
        expect(await driver.tidyMailbox(fence, "a", 60_000)).toBe(3);
        expect(await driver.pendingCount(7)).toBe(2);
        const left = await driver.claimPending(fence, "a", { minIdleMs: 0, count: 10 });
        expect(left.map((d) => decodeEnvelope(d.raw)?.commandId)).toEqual(["c3", "c4"]);
      });

      it("lists live members and forgets those whose heartbeat lapsed", async () => {
        const driver = await newDriver();
        expect(await driver.heartbeat("w1", 150)).toEqual(["w1"]);
        expect((await driver.heartbeat("w2", 5000)).sort()).toEqual(["w1", "w2"]);
        await sleep(250);
        expect(await driver.heartbeat("w2", 5000)).toEqual(["w2"]);
        await driver.leave("w2");
        expect(await driver.heartbeat("w3", 5000)).toEqual(["w3"]);
      });
    });

    describe("host and client", () => {
      const fast: Partial<RuntimeSettings> = {
        leaseTtlMs: 600,
        reminderPollMs: 30,
        readBlockMs: 50,
        orphanClaimMs: 600,
      };

      async function startHost(
        driver: ActorDriver,
        workerId: string,
        options: {
          shardCount?: number;
          settings?: Partial<RuntimeSettings>;
          seed?: (id: string) => number;
          ledger?: CounterLedger;
        } = {},
      ) {
        const host = new ActorHost({
          driver,
          workerId,
          shardCount: options.shardCount ?? 2,
          logger,
          actors: [
            createCounterActor({
              workerId,
              ...(options.seed ? { seed: options.seed } : {}),
              ...(options.ledger ? { ledger: options.ledger } : {}),
            }),
            createTallyActor(),
          ],
          settings: { ...fast, ...options.settings },
        });
        await host.start();
        cleanups.push(() => host.stop());
        return host;
      }

      async function startClient(driver: ActorDriver, timeoutMs = 4000) {
        const client = new ActorClient({ driver, logger, timeoutMs });
        await client.start();
        cleanups.push(() => client.close());
        const counter = (actorId: string, shard = 0) => ({ actorType: "counter", actorId, shard });
        const send = (actorId: string, body: unknown, options: { commandId?: string; shard?: number } = {}) =>
          client.send<CounterReply>(counter(actorId, options.shard), body, {
            ...(options.commandId ? { commandId: options.commandId } : {}),
          });
        return { client, send };
      }

      const counterState = async (driver: ActorDriver, actorId: string, shard = 0) =>
        // The counter has no entries codec: its whole state is the one entry "".
        JSON.parse((await driver.loadState(shard, "counter", actorId))?.[""] ?? "null") as {
          count: number;
          reminded: string[];
        } | null;

      it("runs one command at a time per actor and answers each caller", async () => {
        const driver = await newDriver();
        await startHost(driver, "w1");
        const { send } = await startClient(driver);
        const replies = await Promise.all(
          Array.from({ length: 20 }, () => send("one", { op: "add", amount: 1 })),
        );
        expect(replies.map((r) => r.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const other = await Promise.all(
          [1, 2, 3].map((i) => send(`other-${i}`, { op: "add", amount: i }, { shard: 1 })),
        );
        expect(other.map((r) => r.count)).toEqual([1, 2, 3]);
        expect((await counterState(driver, "one"))?.count).toBe(20);
        expect(await driver.pendingCount(0)).toBe(0);
      });

      it("commits the batches of several actors of one shard together and answers each caller", async () => {
        const driver = await newDriver();
        const host = await startHost(driver, "w1", { shardCount: 1 });
        const { send } = await startClient(driver);
        await send("warm", { op: "get" });
        const before = host.snapshot().stats;
        const actors = ["g1", "g2", "g3", "g4", "g5", "g6"];
        const replies = await Promise.all(
          actors.flatMap((actorId, i) =>
            [1, 2, 3].map(() => send(actorId, { op: "add", amount: i + 1 }).then((r) => [actorId, r.count])),
          ),
        );
        for (const [i, actorId] of actors.entries()) {
          const counts = replies.filter(([id]) => id === actorId).map(([, count]) => Number(count));
          expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3].map((n) => n * (i + 1)));
          expect((await counterState(driver, actorId))?.count).toBe(3 * (i + 1));
        }
        const after = host.snapshot().stats;
        const batches = after.batchesCommitted - before.batchesCommitted;
        const calls = after.commitCalls - before.commitCalls;
        expect(batches).toBeGreaterThanOrEqual(actors.length);
        // Actors whose batches were decided after one mailbox read share a fenced commit call.
        expect(calls).toBeLessThan(batches);
        expect(await driver.pendingCount(0)).toBe(0);
      });

      it("replays a resent command with its fingerprint and refuses another request under its id", async () => {
        const driver = await newDriver();
        await startHost(driver, "w1");
        const { client } = await startClient(driver);
        const address = { actorType: "counter", actorId: "keyed", shard: 0 };
        const add = (amount: number, fingerprint: string) =>
          client.call<CounterReply>(address, { op: "add", amount }, { commandId: "key-1", fingerprint });
        const first = await add(5, "fp-a");
        expect(first).toMatchObject({ value: { count: 5 }, replayed: false });
        // Concurrent resends and a later one: one effect, the first answer, marked replayed.
        const again = await Promise.all([add(5, "fp-a"), add(5, "fp-a")]);
        for (const answer of [...again, await add(5, "fp-a")])
          expect(answer).toEqual({ value: first.value, replayed: true });
        const reused = await add(7, "fp-b").catch((e: unknown) => e);
        expect(reused).toMatchObject({ code: "idempotency_key_reused", status: 422 });
        // Two requests under one new id in one batch: the first decides, the other is refused.
        const pair = await Promise.allSettled([
          client.call<CounterReply>(
            address,
            { op: "add", amount: 1 },
            { commandId: "key-2", fingerprint: "x" },
          ),
          client.call<CounterReply>(
            address,
            { op: "add", amount: 2 },
            { commandId: "key-2", fingerprint: "y" },
          ),
        ]);
        const fulfilled = pair.filter((p) => p.status === "fulfilled");
        expect(fulfilled).toHaveLength(1);
        expect(pair.find((p) => p.status === "rejected")).toMatchObject({
          reason: { code: "idempotency_key_reused" },
        });
        expect((await counterState(driver, "keyed"))?.count).toBe(
          5 + (fulfilled[0]!.value.value.count === 6 ? 1 : 2),
        );
        expect((await driver.storedReply(0, "key-1"))?.fingerprint).toBe("fp-a");
      });

      it("answers refusals and invalid commands with their errors, and does not keep a crash", async () => {
        const driver = await newDriver();
        await startHost(driver, "w1");
        const { send } = await startClient(driver);
        await send("c", { op: "add", amount: 2 });
        const refused = await send("c", { op: "refuse" }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(AppError);
        expect(refused).toMatchObject({ code: "conflict", status: 409, message: "counter refuses" });
        const invalid = await send("c", { op: "add", amount: "two" }).catch((e: unknown) => e);
        expect(invalid).toMatchObject({ code: "validation_failed", status: 400 });
        const crash = await send("c", { op: "crash" }, { commandId: "crash-1" }).catch((e: unknown) => e);
        expect(crash).toMatchObject({ code: "actor_failed", status: 500 });
        expect(await driver.storedReply(0, "crash-1")).toBeNull();
        expect((await send("c", { op: "get" })).count).toBe(2);
      });

      it("decides a busy actor's queued commands in batches, flushing their writes once per batch", async () => {
        const driver = await newDriver();
        const ledger: CounterLedger = { rows: [], flushes: 0 };
        const host = await startHost(driver, "w1", { ledger });
        const { send } = await startClient(driver);
        const replies = await Promise.all(
          Array.from({ length: 60 }, () => send("hot", { op: "add", amount: 1, ledger: true })),
        );
        expect(replies.map((r) => r.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 60 }, (_, i) => i + 1),
        );
        expect(ledger.rows).toHaveLength(60);
        expect(new Set(ledger.rows.map((r) => r.commandId)).size).toBe(60);
        expect(ledger.flushes).toBeLessThan(30);
        // The commit publishes each reply before its answer returns to the worker, which counts
        // the batch then: a caller can hold its reply a moment before the count moves.
        await vi.waitFor(() => expect(host.stats.commandsProcessed).toBe(60), { timeout: 2000 });
        expect((await counterState(driver, "hot"))?.count).toBe(60);
      });

      it("decides a batch whose flush failed again one at a time: a refusal answers only its own command", async () => {
        const driver = await newDriver();
        const ledger: CounterLedger = { rows: [], flushes: 0 };
        await startHost(driver, "w1", { ledger });
        const { send } = await startClient(driver);
        const amounts = [1, 1, 1, 13, 1, 1];
        const outcomes = await Promise.all(
          amounts.map((amount) =>
            send("picky", { op: "add", amount, ledger: true }).then(
              (reply) => ({ ok: true as const, reply }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
          ),
        );
        const refused = outcomes.filter((o) => !o.ok);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ error: { code: "conflict", status: 409 } });
        expect(outcomes.filter((o) => o.ok)).toHaveLength(5);
        expect(ledger.rows.map((r) => r.amount)).toEqual([1, 1, 1, 1, 1]);
        // More flushes than commands: a batch holding the 13 failed whole and went again one by one.
        expect(ledger.flushes).toBeGreaterThan(amounts.length);
        expect((await send("picky", { op: "get" })).count).toBe(5);
      });

      it("decides a batch again at once when its flush finds the state stale, a few times at most", async () => {
        const driver = await newDriver();
        const ledger: CounterLedger = { rows: [], flushes: 0 };
        const host = await startHost(driver, "w1", { ledger });
        const { send } = await startClient(driver);
        const started = Date.now();
        expect((await send("again", { op: "add", amount: 17, ledger: true })).count).toBe(17);
        expect(ledger.flushes).toBe(2);
        expect(ledger.rows).toEqual([{ commandId: ledger.staleOnce![0], amount: 17 }]);
        expect(host.stats.decidedAgain).toBe(1);
        expect(Date.now() - started).toBeLessThan(1000);
        const never = await send("again", { op: "add", amount: 19, ledger: true }).catch((e: unknown) => e);
        expect(never).toMatchObject({ code: "conflict", status: 409, message: "19 is always stale" });
        expect(ledger.rows).toHaveLength(1);
        expect((await send("again", { op: "get" })).count).toBe(17);
      });

      /** Short waits between tries, so a command that keeps failing is set aside in about 0.1 s. */
      const quickRetries: Partial<RuntimeSettings> = {
        commandAttempts: 4,
        retryDelayMs: 20,
        retryDelayMaxMs: 50,
      };

      it("sets a command that keeps failing aside in the dead-letter stream and goes on with the actor's next", async () => {
        const driver = await newDriver();
        const ledger: CounterLedger = { rows: [], flushes: 0 };
        const host = await startHost(driver, "w1", { ledger, settings: quickRetries });
        const { send } = await startClient(driver);
        expect((await send("poison", { op: "add", amount: 2 })).count).toBe(2);
        // Its flush always throws a plain Error; the next command waits behind it.
        const poisoned = send(
          "poison",
          { op: "add", amount: 23, ledger: true },
          { commandId: "poison-1" },
        ).then(
          () => ({ error: undefined, at: Date.now() }),
          (error: unknown) => ({ error, at: Date.now() }),
        );
        const next = send("poison", { op: "add", amount: 1 }).then((reply) => ({ reply, at: Date.now() }));
        const failed = await poisoned;
        expect(failed.error).toMatchObject({
          code: "actor_failed",
          status: 500,
          message: "the command could not be decided and was set aside",
        });
        const decided = await next;
        expect(decided.reply.count).toBe(3);
        expect(decided.at - failed.at).toBeLessThan(1000);

        const letters = await driver.deadLetters(0, 10);
        expect(letters).toHaveLength(1);
        expect(letters[0]).toMatchObject({
          error: "the ledger is unreachable",
          attempts: 4,
          consumer: host.incarnation,
        });
        expect(decodeEnvelope(letters[0]!.raw)).toMatchObject({
          commandId: "poison-1",
          actorId: "poison",
          body: { op: "add", amount: 23, ledger: true },
        });
        expect(ledger.faults?.get("poison-1")).toBe(4);
        expect(ledger.rows).toEqual([]);
        expect(host.stats.deadLettered).toBe(1);
        expect(await driver.pendingCount(0)).toBe(0);
        // Nothing stored for it: a resend of its id runs again (here without the ledger write).
        expect(await driver.storedReply(0, "poison-1")).toBeNull();
        expect((await send("poison", { op: "add", amount: 23 }, { commandId: "poison-1" })).count).toBe(26);
        expect(await driver.deadLetters(0, 10)).toHaveLength(1);
      });

      it("decides a command whose flush failed twice as any other: answered once, not set aside", async () => {
        const driver = await newDriver();
        const ledger: CounterLedger = { rows: [], flushes: 0 };
        const host = await startHost(driver, "w1", { ledger, settings: quickRetries });
        const { client, send } = await startClient(driver);
        const heard = await listen(driver, client.callerId);
        const started = Date.now();
        expect(
          (await send("flaky", { op: "add", amount: 29, ledger: true }, { commandId: "flaky-1" })).count,
        ).toBe(29);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(ledger.faults?.get("flaky-1")).toBe(2);
        expect(ledger.rows).toEqual([{ commandId: "flaky-1", amount: 29 }]);
        expect(JSON.parse((await driver.storedReply(0, "flaky-1"))!.reply)).toMatchObject({ ok: true });
        expect(await driver.deadLetters(0, 10)).toEqual([]);
        expect(host.stats.deadLettered).toBe(0);
        await sleep(200); // a second answer would have come by now
        const answers = heard
          .flatMap((raw) => decodeReplies(raw).replies)
          .filter((r) => r.commandId === "flaky-1");
        expect(answers).toHaveLength(1);
        expect((await send("flaky", { op: "get" })).count).toBe(29);
      });

      it("gives a re-sent command id exactly one effect and the same answer", async () => {
        const driver = await newDriver();
        await startHost(driver, "w1");
        const { send } = await startClient(driver);
        const first = await send("d", { op: "add", amount: 5 }, { commandId: "same-1" });
        const again = await send("d", { op: "add", amount: 5 }, { commandId: "same-1" });
        const racing = await Promise.all(
          [1, 2, 3].map(() => send("d", { op: "add", amount: 7 }, { commandId: "same-2" })),
        );
        expect(again).toEqual(first);
        expect(new Set(racing.map((r) => r.count))).toEqual(new Set([12]));
        expect((await send("d", { op: "get" })).count).toBe(12);
      });

      it("keeps a command no worker took in time: the caller times out, then the same id gets the answer", async () => {
        const driver = await newDriver();
        const client = new ActorClient({ driver, logger, timeoutMs: 200 });
        await client.start();
        cleanups.push(() => client.close());
        const address = { actorType: "counter", actorId: "late", shard: 0 };
        const timedOut = await client
          .send(address, { op: "add", amount: 3 }, { commandId: "late-1" })
          .catch((e: unknown) => e);
        expect(timedOut).toMatchObject({ code: "actor_timeout", status: 503 });
        await startHost(driver, "w1");
        const decided = await waitFor(
          () => driver.storedReply(0, "late-1"),
          (raw) => raw !== null,
          3000,
          "the queued command to be decided",
        );
        expect(JSON.parse(decided!.reply)).toMatchObject({ ok: true, value: { count: 3 } });
        const again = await client.send<CounterReply>(
          address,
          { op: "add", amount: 3 },
          { commandId: "late-1", timeoutMs: 3000 },
        );
        expect(again.count).toBe(3);
        const unknown = await client
          .send({ actorType: "nobody", actorId: "x", shard: 0 }, {}, { timeoutMs: 3000 })
          .catch((e: unknown) => e);
        expect(unknown).toMatchObject({ code: "actor_failed", status: 500 });
      });

      /** A driver that also keeps the commits of tally actors it is asked to make. */
      function watchTallyCommits(driver: ActorDriver): { driver: ActorDriver; commits: CommitRequest[] } {
        const commits: CommitRequest[] = [];
        const watched: ActorDriver = {
          ...driver,
          commitGroup(fence, requests) {
            commits.push(...requests.filter((r) => r.actorType === "tally"));
            return driver.commitGroup(fence, requests);
          },
        };
        return { driver: watched, commits };
      }

      async function startTally(driver: ActorDriver) {
        const { client } = await startClient(driver);
        return (body: unknown) =>
          client.send<TallyState>({ actorType: "tally", actorId: "t", shard: 0 }, body);
      }

      it("writes only the entries a command touched: the others stay as they were, the state reads back equal", async () => {
        const store = await newDriver();
        const { driver, commits } = watchTallyCommits(store);
        const host = await startHost(driver, "w1", { settings: { passivateAfterMs: 100, tickMs: 50 } });
        const tally = await startTally(store);
        await tally({ op: "add", name: "x", amount: 1 });
        // The first commit of a rebuilt actor writes its whole state.
        expect(commits.map((c) => c.state)).toEqual([{ op: "replace", entries: { total: "1", "n:x": "1" } }]);
        await tally({ op: "add", name: "y", amount: 2 });
        await tally({ op: "add", name: "z", amount: 3 });
        const before = await store.loadState(0, "tally", "t");
        expect(before).toEqual({ total: "6", "n:x": "1", "n:y": "2", "n:z": "3" });

        commits.length = 0;
        expect(await tally({ op: "add", name: "x", amount: 5 })).toEqual({
          total: 11,
          counts: { x: 6, y: 2, z: 3 },
        });
        expect(commits.map((c) => c.state)).toEqual([
          { op: "patch", set: { total: "11", "n:x": "6" }, remove: [] },
        ]);
        expect(await store.loadState(0, "tally", "t")).toEqual({ ...before, total: "11", "n:x": "6" });
        commits.length = 0;
        await tally({ op: "drop", name: "y" });
        expect(commits.map((c) => c.state)).toEqual([{ op: "patch", set: { total: "9" }, remove: ["n:y"] }]);
        commits.length = 0;
        await tally({ op: "get" });
        expect(commits.map((c) => c.state)).toEqual([undefined]);

        // Passivated, then activated from its entries (a rebuild would start from zero).
        await waitFor(
          () => host.snapshot().activeActors,
          (n) => n === 0,
          3000,
          "passivation",
        );
        expect(await tally({ op: "get" })).toEqual({ total: 9, counts: { x: 6, z: 3 } });
        expect(host.stats.actorsActivated).toBe(2);
      });

      it("activates an actor again when its stored state went away under it, and writes it whole", async () => {
        const store = await newDriver();
        const { driver, commits } = watchTallyCommits(store);
        await startHost(driver, "w1", { shardCount: 1 });
        const tally = await startTally(store);
        await tally({ op: "add", name: "x", amount: 4 });
        // Evicted (or lost) while the actor is held in memory.
        const lease = await store.currentLease(0);
        await store.commit(
          { shard: 0, ...lease! },
          { actorType: "tally", actorId: "t", state: { op: "delete" } },
        );
        commits.length = 0;
        expect(await tally({ op: "add", name: "y", amount: 1 })).toEqual({ total: 1, counts: { y: 1 } });
        expect(commits.map((c) => c.state?.op)).toEqual(["patch", "replace"]);
        expect(await store.loadState(0, "tally", "t")).toEqual({ total: "1", "n:y": "1" });
      });

      it("rebuilds a missing state through the hook and passivates idle actors", async () => {
        const driver = await newDriver();
        const host = await startHost(driver, "w1", {
          seed: (id) => (id === "seeded" ? 42 : 0),
          settings: { passivateAfterMs: 100, tickMs: 50 },
        });
        const { send } = await startClient(driver);
        expect((await send("seeded", { op: "add", amount: 1 })).count).toBe(43);
        expect((await counterState(driver, "seeded"))?.count).toBe(43);
        await waitFor(
          () => host.snapshot().activeActors,
          (n) => n === 0,
          3000,
          "passivation",
        );
        expect(host.stats.actorsPassivated).toBeGreaterThanOrEqual(1);
        // Reactivated from Redis, not rebuilt from the seed again.
        expect((await send("seeded", { op: "add", amount: 1 })).count).toBe(44);
      });

      it("fires durable reminders through the mailbox, and not cancelled ones", async () => {
        const driver = await newDriver();
        const host = await startHost(driver, "w1");
        const { send } = await startClient(driver);
        const setAt = Date.now();
        await send("r", { op: "remind", name: "soon", inMs: 100 });
        await send("r", { op: "remind", name: "cancelled", inMs: 1000 });
        await send("r", { op: "forget", name: "cancelled" });
        expect(Date.now() - setAt).toBeLessThan(1000); // else the test itself raced the reminder
        const fired = await waitFor(
          () => counterState(driver, "r"),
          (s) => s?.count === 100,
          3000,
          "reminder",
        );
        expect(fired?.reminded).toEqual(["soon"]);
        await sleep(Math.max(0, setAt + 1300 - Date.now()));
        expect((await counterState(driver, "r"))?.reminded).toEqual(["soon"]);
        expect(host.stats.remindersFired).toBe(1);
        expect(await driver.reminders(0)).toEqual([]);
      });

      it("fails over: the next owner decides what a frozen owner left pending, fired reminders included", async () => {
        const driver = await newDriver();
        const frozen = await startHost(driver, "w1", { shardCount: 1 });
        const { send } = await startClient(driver, 5000);
        await send("f", { op: "remind", name: "later", inMs: 900 });
        const slow = send("f", { op: "add", amount: 1, delayMs: 700 });
        await waitFor(
          () => driver.pendingCount(0),
          (n) => n === 1,
          2000,
          "the slow command to be taken",
        );
        const frozenEpoch = frozen.snapshot().ownedShards[0]!.epoch;
        frozen.halt();
        const takeover = Date.now();
        const next = await startHost(driver, "w2", { shardCount: 1 });
        await waitFor(
          () => next.snapshot().ownedShards,
          (owned) => owned.length === 1,
          2000,
          "the new owner",
        );
        expect(Date.now() - takeover).toBeLessThan(2 * 600 + 300);
        expect(next.snapshot().ownedShards[0]!.epoch).toBeGreaterThan(frozenEpoch);
        const reply = await slow;
        expect(reply).toEqual({ count: 1, by: "w2" });
        // The frozen owner's handler finished too, but its fenced commit was refused.
        await waitFor(
          () => frozen.stats.staleWritesRefused,
          (n) => n >= 1,
          3000,
          "the stale write to be refused",
        );
        const state = await waitFor(
          () => counterState(driver, "f"),
          (s) => s?.count === 101,
          3000,
          "the reminder to fire on the new owner",
        );
        expect(state).toEqual({ count: 101, reminded: ["later"] });
        // The state lands in the commit a moment before the worker counts the reminder.
        await vi.waitFor(() => expect(next.stats.remindersFired).toBe(1), { timeout: 2000 });
        expect(await driver.pendingCount(0)).toBe(0);
      });

      it("stops a shard as soon as its lease lapses, even while renewals hang", async () => {
        const driver = await newDriver();
        let hang = false;
        const hanging: ActorDriver = {
          ...driver,
          renewLease: (fence, ttlMs) =>
            hang ? new Promise<void>(() => {}) : driver.renewLease(fence, ttlMs),
        };
        const host = await startHost(hanging, "w1", { shardCount: 1 });
        const { send } = await startClient(driver);
        expect((await send("x", { op: "add", amount: 1 })).count).toBe(1);
        hang = true;
        const since = Date.now();
        await waitFor(
          () => host.stats.leasesLost,
          (n) => n >= 1,
          3000,
          "the lapsed shard to stop",
        );
        expect(Date.now() - since).toBeLessThan(600 + 400);
        hang = false;
      });

      it("spreads shards over the live hosts and moves them when one leaves", async () => {
        const driver = await newDriver();
        const hosts = await Promise.all(
          ["w1", "w2", "w3"].map((id) => startHost(driver, id, { shardCount: 6 })),
        );
        const owned = () => hosts.map((h) => h.snapshot().ownedShards.map((s) => s.shard));
        await waitFor(
          owned,
          (sets) => sets.every((s) => s.length === 2) && new Set(sets.flat()).size === 6,
          5000,
          "an even spread",
        );
        for (const [i, shards] of owned().entries()) {
          for (const shard of shards)
            expect((await driver.currentLease(shard))?.owner).toBe(hosts[i]!.incarnation);
        }
        await hosts[2]!.stop();
        await waitFor(
          () => owned().slice(0, 2),
          (sets) => sets.every((s) => s.length === 3) && new Set(sets.flat()).size === 6,
          5000,
          "the leaver's shards to move",
        );
        const { send } = await startClient(driver);
        const replies = await Promise.all(
          [0, 1, 2, 3, 4, 5].map((shard) => send(`s${shard}`, { op: "add", amount: 1 }, { shard })),
        );
        expect(new Set(replies.map((r) => r.by))).toEqual(new Set(["w1", "w2"]));
      });
    });
  });
}
