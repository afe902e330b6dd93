// Finds the server binaries the stack runs, installing Debian packages with apt when missing
// and allowed (root), and otherwise failing with a message that names the package to install.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

export function onPath(command: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

function aptInstall(pkg: string) {
  console.log(`[stack] installing Debian package ${pkg} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let result = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
    stdio: "inherit",
    env,
  });
  if (result.status !== 0) {
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    result = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", pkg], {
      stdio: "inherit",
      env,
    });
  }
  if (result.status !== 0) throw new Error(`apt-get install ${pkg} failed`);
}

/** Path of `redis-server`, installing Debian's `redis-server` package when missing and root. */
export function redisServerBinary(): string {
  const existing = onPath("redis-server");
  if (existing) return existing;
  if (!isRoot()) {
    throw new Error(
      "redis-server not found: install the Debian package `redis-server` (apt-get install redis-server)",
    );
  }
  aptInstall("redis-server");
  const installed = onPath("redis-server");
  if (!installed)
    throw new Error("redis-server still not on PATH after installing the `redis-server` package");
  return installed;
}

/**
 * Folder holding `initdb` and `postgres`: Debian keeps them under /usr/lib/postgresql/<major>/bin,
 * off PATH. Tries that (newest major first), then `pg_config --bindir`, then PATH.
 */
export function postgresBinDir(): string {
  const debianRoot = "/usr/lib/postgresql";
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) {
      const bin = join(debianRoot, major, "bin");
      if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return bin;
    }
  }
  try {
    const bin = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "postgres"))) return bin;
  } catch {
    // no pg_config: fall through to PATH
  }
  const initdb = onPath("initdb");
  if (initdb && onPath("postgres")) return initdb.replace(/\/initdb$/, "");
  throw new Error("PostgreSQL server binaries not found: install the Debian package `postgresql-15`");
}

/** uid/gid of the account PostgreSQL runs under when we are root (it refuses to run as root). */
export function postgresAccount(): { uid: number; gid: number; name: string } | undefined {
  if (!isRoot()) return undefined;
  for (const name of ["postgres", "nobody"]) {
    const uid = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const gid = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (uid.status === 0 && gid.status === 0) {
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()), name };
    }
  }
  throw new Error("running as root but no unprivileged account (postgres or nobody) to run PostgreSQL under");
}

/** Path of a headless-capable Chromium for browser tests, installing Debian's `chromium` when missing and root. */
export function chromiumBinary(): string {
  const existing = onPath("chromium") ?? onPath("chromium-browser");
  if (existing) return existing;
  if (!isRoot()) throw new Error("chromium not found: install the Debian package `chromium`");
  aptInstall("chromium");
  const installed = onPath("chromium");
  if (!installed) throw new Error("chromium still not on PATH after installing the `chromium` package");
  return installed;
}

/** Path of the `wrk` HTTP load generator, installing Debian's `wrk` when missing and root; else undefined. */
export function wrkBinary(): string | undefined {
  const existing = onPath("wrk");
  if (existing || !isRoot()) return existing;
  try {
    aptInstall("wrk");
  } catch {
    return undefined;
  }
  return onPath("wrk");
}
