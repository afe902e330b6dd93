// Loads the live-cell Lua scripts (scripts/*.lua) once per ioredis client, by name, and runs them
// with typed arguments. EVALSHA with a fallback to EVAL is ioredis's defineCommand behaviour.
import { readFileSync } from "node:fs";
import type { Redis } from "../storage/redis.ts";

const scriptNames = ["apply-space-change", "init-cell", "read-cell", "rebuild-cell"] as const;
type ScriptName = (typeof scriptNames)[number];

const sources = new Map<ScriptName, string>(
  scriptNames.map((name) => [name, readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), "utf8")]),
);
const commandName = (name: ScriptName) => `live_${name.replaceAll("-", "_")}`;
const loaded = new WeakSet<Redis>();

type Reply = Array<string | number | null>;

/** Runs a live script on `redis` (loading it on first use) and returns its raw reply. */
export async function runLiveScript(
  redis: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<Reply> {
  if (!loaded.has(redis)) {
    for (const script of scriptNames) {
      redis.defineCommand(commandName(script), { lua: sources.get(script)! });
    }
    loaded.add(redis);
  }
  const command = (redis as unknown as Record<string, (...a: unknown[]) => Promise<Reply>>)[
    commandName(name)
  ]!;
  return command.call(redis, keys.length, ...keys, ...args);
}
