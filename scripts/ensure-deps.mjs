// Installs npm dependencies when they are missing or older than the lock file, so that
// `npm start` and `npm test` work on a fresh clone with nothing run first. Plain Node: it runs
// before TypeScript tooling exists.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lock = `${root}package-lock.json`;
const installed = `${root}node_modules/.package-lock.json`;

const stale =
  !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);

if (stale) {
  const args = existsSync(lock) ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund"];
  console.log(`[deps] npm ${args[0]} …`);
  const result = spawnSync("npm", args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`[deps] npm ${args[0]} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
