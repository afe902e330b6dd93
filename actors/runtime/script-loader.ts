// Loads the Lua scripts in actors/scripts once per ioredis client, each as a named command
// (defineCommand: EVALSHA with an EVAL fallback), after inlining `-- @include "includes/x.lua"` lines.
// Scripts are defined without a fixed key count: every call passes its keys' number first, so batch
// scripts can take one key per command.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Redis } from "ioredis";
import type { ScriptCommand } from "./script-codes.ts";

const SCRIPTS_DIR = fileURLToPath(new URL("../scripts/", import.meta.url));
const INCLUDE = /^--\s*@include\s+"([^"]+)"\s*$/gm;

export interface LoadedScript {
  name: string;
  lua: string;
}

function inline(source: string, seen: Set<string>): string {
  return source.replace(INCLUDE, (_line, path: string) => {
    if (seen.has(path)) return "";
    seen.add(path);
    return inline(readFileSync(join(SCRIPTS_DIR, path), "utf8"), seen);
  });
}

export function readScripts(dir = SCRIPTS_DIR): LoadedScript[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".lua"))
    .map((file) => {
      const source = readFileSync(join(dir, file), "utf8");
      return { name: file.replace(/\.lua$/, ""), lua: inline(source, new Set()) };
    });
}

let cached: LoadedScript[] | undefined;
const loaded = new WeakSet<Redis>();

/** Defines every script on the client once (idempotent per client). */
export function loadScripts(redis: Redis): void {
  if (loaded.has(redis)) return;
  cached ??= readScripts();
  for (const script of cached) {
    redis.defineCommand(script.name, { lua: script.lua });
  }
  loaded.add(redis);
}

type ScriptArg = string | number;

/** Runs a loaded script by name. */
export function runScript(
  redis: Redis,
  name: ScriptCommand,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  const command = (redis as unknown as Record<string, (...a: ScriptArg[]) => Promise<unknown>>)[name];
  if (typeof command !== "function") throw new Error(`script ${name} is not loaded`);
  return command.call(redis, keys.length, ...keys, ...args);
}
