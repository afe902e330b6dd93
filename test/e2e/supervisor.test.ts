// The supervisor `npm start` runs its processes under (devstack/supervisor.ts), with real child
// processes: one that exits is started again after a doubling backoff, reset by a long enough run,
// with a line each time, while the others keep running; stop() ends them all and nothing is started
// after it, not even a restart that was due. Its /healthz shows each process's state and restarts.
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { type Backoff, type ProcessSpec, type Supervisor, supervise } from "../../devstack/supervisor.ts";
import { serveSupervisorStatus } from "../../devstack/supervisor-status.ts";
import { waitFor } from "../support/actor-conformance.ts";

const node = (name: string, script: string): ProcessSpec => ({
  name,
  command: process.execPath,
  args: ["-e", script],
});
const steady = (name: string) => node(name, "setInterval(() => {}, 1000)");
/** A script that handles SIGTERM with `handler`, then writes `readyFile` to say so, and keeps running. */
const handlingTerm = (handler: string, readyFile: string) =>
  `process.on('SIGTERM', ${handler}); require('node:fs').writeFileSync(${JSON.stringify(readyFile)}, ''); setInterval(() => {}, 1000)`;

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const running: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop("SIGKILL")));
});

function start(specs: ProcessSpec[], backoff: Backoff) {
  const lines: { at: number; line: string }[] = [];
  const supervisor = supervise(specs, { backoff, log: (line) => lines.push({ at: Date.now(), line }) });
  running.push(supervisor);
  const of = (name: string) => supervisor.status().find((p) => p.name === name)!;
  return { supervisor, lines, of };
}

describe("supervisor", () => {
  it("starts a process that exits again, the wait doubling up to its cap, a line each time; the others keep running", async () => {
    const { supervisor, lines, of } = start(
      [node("crasher", "setTimeout(() => process.exit(3), 20)"), steady("steady")],
      { firstDelayMs: 200, maxDelayMs: 800, stableAfterMs: 60_000 },
    );
    const steadyPid = supervisor.current("steady")!.child.pid!;
    await waitFor(
      () => of("crasher"),
      (p) => p.restarts >= 4,
      30_000,
      "four restarts",
    );

    const exits = lines.filter((l) => l.line.includes("crasher exited"));
    const starts = lines.filter((l) => l.line.includes("crasher started again"));
    expect(
      exits.slice(0, 4).map((l) => l.line.match(/code (\d+)\).*restart (\d+) in ([\d.]+) s/)?.slice(1)),
    ).toEqual([
      ["3", "1", "0.2"],
      ["3", "2", "0.4"],
      ["3", "3", "0.8"],
      ["3", "4", "0.8"],
    ]);
    // Each start came no sooner than its announced wait after the exit.
    for (const [i, wait] of [200, 400, 800, 800].entries()) {
      expect(starts[i]!.line).toContain(`restart ${i + 1})`);
      expect(starts[i]!.at - exits[i]!.at).toBeGreaterThanOrEqual(wait - 5);
    }
    expect(of("steady")).toMatchObject({ state: "running", restarts: 0, pid: steadyPid, lastExit: null });
    expect(alive(steadyPid)).toBe(true);
    expect(of("crasher").lastExit).toMatchObject({ code: 3, signal: null });
  });

  it("waits the first delay again after a run that lasted long enough", async () => {
    const { lines, of } = start([node("slow-crasher", "setTimeout(() => process.exit(1), 300)")], {
      firstDelayMs: 100,
      maxDelayMs: 10_000,
      stableAfterMs: 200,
    });
    await waitFor(
      () => of("slow-crasher"),
      (p) => p.restarts >= 3,
      30_000,
      "three restarts",
    );
    const waits = lines
      .filter((l) => l.line.includes("exited"))
      .map((l) => l.line.match(/in ([\d.]+) s/)?.[1]);
    expect(waits.slice(0, 3)).toEqual(["0.1", "0.1", "0.1"]);
  });

  it("stop() ends every process, even one that ignores SIGTERM, and starts nothing after it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "supervisor-"));
    const [failsReady, ignoresReady] = [join(dir, "fails-on-term"), join(dir, "ignores-term")];
    const { supervisor, lines, of } = start(
      [
        node("crasher", "process.exit(2)"),
        steady("steady"),
        // Exits with a failure code on SIGTERM: still no restart, since it was asked to stop.
        node("fails-on-term", handlingTerm("() => process.exit(1)", failsReady)),
        node("ignores-term", handlingTerm("() => {}", ignoresReady)),
      ],
      { firstDelayMs: 400, maxDelayMs: 400, stableAfterMs: 60_000 },
    );
    const pids = ["steady", "fails-on-term", "ignores-term"].map(
      (name) => supervisor.current(name)!.child.pid!,
    );
    // The crasher has exited and waits for its restart when the stop comes.
    await waitFor(
      () => of("crasher"),
      (p) => p.state === "waiting",
      10_000,
      "the crasher to wait for its restart",
    );
    // Both SIGTERM handlers are in place (a loaded machine may take a while to start node).
    await waitFor(
      async () => [existsSync(failsReady), existsSync(ignoresReady)],
      (ready) => ready.every(Boolean),
      10_000,
      "the SIGTERM handlers",
    );
    const stopAt = Date.now();
    await supervisor.stop("SIGTERM", 500);

    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(of("ignores-term").lastExit).toMatchObject({ signal: "SIGKILL" });
    expect(of("fails-on-term").lastExit).toMatchObject({ code: 1 });
    // Past the crasher's due restart: nothing was started.
    await sleep(800);
    expect(lines.filter((l) => l.at >= stopAt)).toEqual([]);
    expect(lines.filter((l) => l.line.includes("started again"))).toEqual([]);
    for (const p of supervisor.status())
      expect(p).toMatchObject({ state: "stopped", pid: null, restartAt: null });
    for (const name of ["crasher", "steady", "fails-on-term", "ignores-term"])
      expect(supervisor.current(name)).toBeUndefined();
  });

  it("serves each process's state and restarts on its /healthz: degraded while one waits to restart", async () => {
    const { supervisor, of } = start([node("crasher", "process.exit(5)"), steady("steady")], {
      firstDelayMs: 300,
      maxDelayMs: 60_000,
      stableAfterMs: 60_000,
    });
    const server = await serveSupervisorStatus(supervisor, { host: "127.0.0.1", port: 0 });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      await waitFor(
        () => of("crasher"),
        (p) => p.restarts >= 2 && p.state === "waiting",
        30_000,
        "two restarts",
      );
      const response = await fetch(`${url}/healthz`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as any;
      expect(body.status).toBe("degraded");
      expect(body.restarts).toBeGreaterThanOrEqual(2);
      const [crasher, steadyOne] = body.processes;
      expect(crasher).toMatchObject({ name: "crasher", state: "waiting", pid: null, lastExit: { code: 5 } });
      expect(Date.parse(crasher.restartAt)).toBeGreaterThan(Date.parse(crasher.lastExit.at));
      expect(steadyOne).toMatchObject({ name: "steady", state: "running", restarts: 0, restartAt: null });
      expect(steadyOne.pid).toBe(supervisor.current("steady")!.child.pid);

      const other = await fetch(`${url}/metrics`);
      expect(other.status).toBe(404);
      expect(((await other.json()) as any).error.code).toBe("not_found");
    } finally {
      await server.close();
    }
  });
});
