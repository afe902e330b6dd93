// The Lua scripts of the actor runtime as files: each documents its KEYS, ARGV and return codes in a
// header, includes are inlined, and every script the drivers call exists.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ScriptCommand } from "../../actors/runtime/script-codes.ts";
import { outcomeOf, StaleEpochError } from "../../actors/runtime/script-codes.ts";
import { readScripts } from "../../actors/runtime/script-loader.ts";

const called: ScriptCommand[] = [
  "acquire_lease",
  "renew_lease",
  "release_lease",
  "heartbeat_member",
  "replay_done",
  "commit_batch",
  "claim_pending",
  "deliver_due_reminders",
  "tidy_mailbox",
  "dead_letter",
];

describe("actor runtime scripts", () => {
  const scripts = readScripts();

  it("has one file per script the drivers call, and no other", () => {
    expect(scripts.map((s) => s.name).sort()).toEqual([...called].sort());
  });

  it("documents KEYS, ARGV and return codes in each header and inlines includes", () => {
    for (const script of scripts) {
      const source = readFileSync(
        fileURLToPath(new URL(`../../actors/scripts/${script.name}.lua`, import.meta.url)),
        "utf8",
      );
      const header = source.slice(0, source.indexOf("]]"));
      expect(header, script.name).toMatch(new RegExp(`^--\\[\\[\\n  ${script.name}: `));
      expect(header, script.name).toContain("KEYS[1]");
      expect(header, script.name).toContain("ARGV[1]");
      expect(header, script.name).toContain("Returns");
      expect(script.lua, script.name).not.toContain("@include");
      if (source.includes("holdsLease(")) expect(script.lua).toContain("local function holdsLease");
    }
  });

  it("maps return codes to outcomes in one place, stale epochs to StaleEpochError", () => {
    const fence = { shard: 3, epoch: 7 };
    expect(outcomeOf("commit_batch", 1, fence)).toBe("ok");
    expect(outcomeOf("commit_batch", -2, fence)).toBe("duplicate");
    expect(outcomeOf("acquire_lease", 0, fence)).toBe("none");
    const stale = (() => {
      try {
        outcomeOf("renew_lease", -1, fence);
      } catch (error) {
        return error;
      }
    })();
    expect(stale).toBeInstanceOf(StaleEpochError);
    expect(stale).toMatchObject({ code: "stale_epoch", command: "renew_lease", shard: 3, epoch: 7 });
    expect(() => outcomeOf("commit_batch", "OK", fence)).toThrow(/commit_batch: unexpected reply/);
  });
});
