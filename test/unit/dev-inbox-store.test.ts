// The dev inbox's store: newest first, by recipient, the oldest dropped past its limit, and the state
// file that keeps messages across a restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type InboxMessage, InboxStore } from "../../devstack/dev-inbox/store.ts";

function message(id: string, to: string[]): InboxMessage {
  return {
    id,
    receivedAt: new Date().toISOString(),
    envelope: { from: "no-reply@localhost", to },
    from: "no-reply@localhost",
    to: to.join(", "),
    subject: `mail ${id}`,
    headers: {},
    text: "hello",
    html: null,
    size: 5,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("InboxStore", () => {
  it("lists newest first, by envelope recipient (any case), and drops the oldest past its limit", () => {
    const store = new InboxStore(undefined, 3);
    store.add(message("1", ["a@x.test"]));
    store.add(message("2", ["b@x.test", "a@x.test"]));
    store.add(message("3", ["b@x.test"]));
    expect(store.list("A@x.test").map((m) => m.id)).toEqual(["2", "1"]);
    store.add(message("4", ["a@x.test"]));
    expect(store.list().map((m) => m.id)).toEqual(["4", "3", "2"]);
    expect(store.list("a@x.test").map((m) => m.id)).toEqual(["4", "2"]);
    expect(store.get("1")).toBeUndefined();
    expect(store.get("3")?.subject).toBe("mail 3");
    expect(store.clear()).toBe(3);
    expect(store.list()).toEqual([]);
  });

  it("keeps its messages in the state file across a restart", () => {
    const dir = mkdtempSync(join(tmpdir(), "dev-inbox-"));
    dirs.push(dir);
    const file = join(dir, "inbox.json");
    const first = new InboxStore(file);
    first.add(message("1", ["a@x.test"]));
    first.add(message("2", ["a@x.test"]));
    first.flush();
    expect(new InboxStore(file).list("a@x.test").map((m) => m.id)).toEqual(["2", "1"]);
    expect(new InboxStore(file, 1).list().map((m) => m.id)).toEqual(["2"]);
  });
});
