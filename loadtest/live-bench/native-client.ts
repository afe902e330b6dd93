// The harness's side of the native benchmark client (native-client.c): compiles it with the system
// C compiler once per run, starts client processes from it, and speaks its line protocol behind
// the same methods as a Node client process (command / stats / close), so a scenario with raw `ws`
// subscribers runs with either. Arrivals come back as a binary file joined here with publish times.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { LatencyHistogram } from "./bench-clock.ts";
import type { ClientCommand, ClientStats } from "./client-process.ts";

const source = fileURLToPath(new URL("./native-client.c", import.meta.url));

/** Compiles the native client into `dir`; undefined (with the reason) when there is no C compiler. */
export function buildNativeClient(dir: string): { path: string } | { error: string } {
  const path = join(dir, "live-bench-native-client");
  try {
    execFileSync(process.env.CC ?? "cc", ["-O2", "-Wall", "-o", path, source], { stdio: "pipe" });
    return { path };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0] ?? "cc failed" };
  }
}

export class NativeBenchClient {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (body: unknown) => void>();
  private readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    binary: string,
    private readonly dir: string,
    readPauseMs: number,
  ) {
    this.child = spawn(binary, [], {
      env: { ...process.env, LIVE_BENCH_READ_PAUSE_MS: String(readPauseMs) },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    createInterface({ input: this.child.stdout! }).on("line", (line) => {
      const space = line.indexOf(" ");
      const id = Number(line.slice(0, space));
      this.waiting.get(id)?.(JSON.parse(line.slice(space + 1)));
      this.waiting.delete(id);
    });
  }

  private request<T>(line: string, extra = "", timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(id, (body) => {
        clearTimeout(timer);
        resolve(body as T);
      });
      this.exited.then((code) => reject(new Error(`${this.name} exited (${code})`)));
      this.child.stdin!.write(`${id} ${line}\n${extra}`);
    });
  }

  async command<T>(command: ClientCommand, timeoutMs?: number): Promise<T> {
    switch (command.type) {
      case "connect": {
        if (command.transport !== "ws" || !command.cells || command.tokens) {
          throw new Error("the native client connects raw ws subscribers only");
        }
        const cells = command.cells.map((cell) => `${cell}\n`).join("");
        return this.request<T>(
          `connect ${command.host} ${command.port} ${command.concurrency} ${command.cells.length}`,
          cells,
          timeoutMs,
        );
      }
      case "stats":
      case "reset-window":
      case "close":
        return this.request<T>(command.type, "", timeoutMs);
      case "record":
        return this.request<T>(`record ${command.on ? 1 : 0}`, "", timeoutMs);
      case "join":
        return (await this.join(command.published)) as T;
    }
  }

  stats() {
    return this.command<ClientStats>({ type: "stats" });
  }

  /** The recorded arrivals joined with publish times (`<cell>:<offset>` → t0), as client-process does. */
  private async join(published: Array<[string, number]>) {
    const file = join(this.dir, `${this.name}-arrivals.bin`);
    const { cells, ok } = await this.request<{ cells: string[]; ok: boolean }>(`dump ${file}`);
    if (!ok) throw new Error(`${this.name}: could not write ${file}`);
    const cellOf = new Map(cells.map((cell, i) => [cell, i]));
    const sent = new Map<number, number>();
    for (const [key, t0] of published) {
      const colon = key.indexOf(":");
      const cell = colon < 0 ? undefined : cellOf.get(key.slice(0, colon));
      if (cell !== undefined) sent.set(cell * 1e9 + Number(key.slice(colon + 1)), t0);
    }
    const bytes = readFileSync(file);
    rmSync(file, { force: true });
    const histogram = new LatencyHistogram();
    let unmatched = 0;
    for (let at = 0; at + 16 <= bytes.length; at += 16) {
      const t0 = sent.get(bytes.readUInt32LE(at) * 1e9 + bytes.readUInt32LE(at + 4));
      if (t0 === undefined) unmatched += 1;
      else histogram.add(bytes.readDoubleLE(at + 8) - t0);
    }
    return { pairs: histogram.toPairs(), max: histogram.max, unmatched };
  }

  async close() {
    await this.command({ type: "close" }, 10_000).catch(() => undefined);
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}
