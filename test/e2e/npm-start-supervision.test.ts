// `npm start` itself (devstack/start.ts, with its demo data, on private ports and a throwaway data
// folder): payments are on in every process against its local Stripe-compatible server, so the demo
// driver's booking of a demo space waits for payment and paying it with a test card confirms it; a
// SIGKILLed shard worker is started again with a line in the console while the gateway keeps serving,
// the supervisor's /healthz counts the restart, and a Ctrl-C (SIGINT to the process group, as a terminal
// sends it) stops every process, the databases and the dev inbox, with nothing started after it. Its
// mail goes to its own dev inbox.
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../devstack/stack.ts";
import { DEMO_DRIVER } from "../../gateway/web/map-routes.ts";
import { waitFor } from "../support/actor-conformance.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A base port with the four after it free too (`npm start` uses base … base + 4). */
async function freePortRun(length: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const all = await Promise.all(Array.from({ length }, (_, i) => portFree(base + i)));
    if (all.every(Boolean)) return base;
  }
}

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const json = async (url: string) => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: (await response.json()) as any };
  } catch {
    return { status: 0, body: null };
  }
};

let start: ChildProcess | undefined;
afterAll(() => {
  if (start?.pid && start.exitCode === null) process.kill(-start.pid, "SIGKILL");
});

describe("npm start", () => {
  it("starts a killed shard worker again while the gateway serves; Ctrl-C stops all, nothing restarts", async () => {
    const dataDir = mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "npm-start-"));
    chmodSync(dataDir, 0o755); // PostgreSQL's account (as root) keeps its cluster inside
    const [redis, postgres, gateway] = [await freePort(), await freePort(), await freePort()];
    const healthBase = await freePortRun(5);
    const stripePort = await freePort();
    const [smtpPort, inboxPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ["--import", "tsx", "devstack/start.ts"], {
      cwd: root,
      detached: true, // its own process group, as under a terminal
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        SEED_DEMO: "true",
        LOG_LEVEL: "warn",
        PARKEALO_DATA_DIR: dataDir,
        PARKEALO_REDIS_PORT: String(redis),
        PARKEALO_POSTGRES_PORT: String(postgres),
        PARKEALO_GATEWAY_PORT: String(gateway),
        PARKEALO_HEALTH_PORT_BASE: String(healthBase),
        PARKEALO_STRIPE_PORT: String(stripePort),
        PARKEALO_SMTP_PORT: String(smtpPort),
        PARKEALO_INBOX_PORT: String(inboxPort),
        // Not the test run's inbox: `npm start` runs its own when SMTP_URL is unset.
        SMTP_URL: "",
      },
    });
    start = child;
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

    await waitFor(
      () => output,
      (text) => text.includes("Press Ctrl-C to stop everything.") || child.exitCode !== null,
      150_000,
      "npm start to be ready",
    );
    expect(output).toContain("Press Ctrl-C to stop everything.");
    expect(output).toContain(`supervisor   http://127.0.0.1:${healthBase + 4}/healthz`);
    expect(output).toContain(`payments     local Stripe-compatible server http://127.0.0.1:${stripePort}`);
    expect((await fetch(`http://127.0.0.1:${stripePort}/_test/health`)).ok).toBe(true);
    expect(output).toContain(
      `demo mail    http://localhost:${inboxPort}/   (local dev inbox; SMTP smtp://127.0.0.1:${smtpPort})`,
    );
    // The processes send their mail to that inbox: a sign-up's verification link arrives there.
    const email = `npm-start-${Date.now()}@test.parkealo.live`;
    const signUp = await fetch(`http://127.0.0.1:${gateway}/api/v1/auth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email,
        password: "a-long-password",
        firstName: "A",
        lastName: "B",
        role: "driver",
      }),
    });
    expect(signUp.status).toBe(202);
    const mailed = await waitFor(
      () => json(`http://127.0.0.1:${inboxPort}/api/messages?to=${encodeURIComponent(email)}`),
      ({ body }) => body?.messages.length === 1,
      10_000,
      "the verification mail in npm start's dev inbox",
    );
    expect(mailed.body.messages[0].text).toContain(
      `http://localhost:${gateway}/api/v1/auth/verify-email?token=`,
    );

    // Payments are on: the demo hosts can be paid, the map offers test cards, and the demo driver's
    // booking of a demo space waits for payment until a test card pays it.
    expect(output).toContain("[start] demo hosts' payment accounts: 20 onboarded now, 0 ready before");
    expect(output).toContain("on: a paid booking waits for its card");
    expect(await (await fetch(`http://127.0.0.1:${gateway}/`)).text()).toContain('<select id="pay-card"');
    const api = `http://127.0.0.1:${gateway}/api/v1`;
    const post = async (path: string, body: unknown, token?: string) => {
      const response = await fetch(`${api}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": crypto.randomUUID(),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const login = await post("/auth/login", DEMO_DRIVER);
    expect(login.status).toBe(200);
    const day = new Date(Date.now() + 3 * 86_400_000);
    day.setUTCHours(9, 0, 0, 0); // 10:00 or 11:00 in Madrid, when most demo spaces are open
    const window = { start: day.toISOString(), end: new Date(day.getTime() + 3_600_000).toISOString() };
    const search = `${api}/search/spaces?lat=40.4169&lng=-3.7035&start=${window.start}&end=${window.end}&limit=50`;
    const found = (await (await fetch(search)).json()) as { results: any[] };
    const space = found.results.find((r: any) => r.bookingMode === "instant" && r.rates.hourly > 0);
    expect(space).toBeDefined();
    const booked = await post("/bookings", { spaceId: space.id, ...window }, login.body.accessToken);
    expect(booked).toMatchObject({ status: 201, body: { status: "awaiting_payment" } });
    const paid = await post(
      "/payments/process",
      { bookingId: booked.body.id, paymentMethodId: "pm_card_visa" },
      login.body.accessToken,
    );
    expect(paid).toMatchObject({
      status: 200,
      body: { bookingId: booked.body.id, status: "captured", bookingStatus: "confirmed" },
    });

    const statusUrl = `http://127.0.0.1:${healthBase + 4}/healthz`;
    const before = (await json(statusUrl)).body;
    expect(before.status).toBe("ok");
    expect(before.processes.map((p: any) => [p.name, p.state, p.restarts])).toEqual([
      ["gateway", "running", 0],
      ["shard-worker-1", "running", 0],
      ["shard-worker-2", "running", 0],
      ["jobs-worker", "running", 0],
    ]);
    const pids = Object.fromEntries(before.processes.map((p: any) => [p.name, p.pid as number]));

    process.kill(pids["shard-worker-1"]!, "SIGKILL");
    // The gateway keeps serving while the worker is down and started again.
    const during = await json(`http://127.0.0.1:${gateway}/readyz`);
    expect(during.status).toBe(200);
    const healed = await waitFor(
      () => json(statusUrl),
      ({ body }) => body?.processes[1].restarts === 1 && body.processes[1].state === "running",
      30_000,
      "shard-worker-1 to be started again",
    );
    await waitFor(
      () => json(`http://127.0.0.1:${healthBase + 2}/readyz`),
      ({ status }) => status === 200,
      60_000,
      "the restarted shard worker to be ready",
    );
    expect(output).toMatch(
      /\[supervisor\] shard-worker-1 exited \(signal SIGKILL\) after [\d.]+ s; restart 1 in 0\.5 s/,
    );
    expect(output).toMatch(/\[supervisor\] shard-worker-1 started again \(pid \d+, restart 1\)/);
    const restartedPid = healed.body.processes[1].pid as number;
    expect(restartedPid).not.toBe(pids["shard-worker-1"]);
    expect(healed.body.restarts).toBe(1);
    for (const name of ["gateway", "shard-worker-2", "jobs-worker"]) {
      const p = healed.body.processes.find((x: any) => x.name === name);
      expect(p, name).toMatchObject({ pid: pids[name], restarts: 0, state: "running" });
    }

    // Ctrl-C: SIGINT to the whole process group.
    const stoppingAt = output.length;
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).toBe(0);
    const after = output.slice(stoppingAt);
    expect(after).toContain("[start] stopped");
    expect(after).not.toContain("started again");
    for (const pid of [restartedPid, pids.gateway!, pids["shard-worker-2"]!, pids["jobs-worker"]!])
      expect(alive(pid), String(pid)).toBe(false);
    for (const port of [gateway!, healthBase + 4, redis!, postgres!, smtpPort, inboxPort])
      expect(await portFree(port), String(port)).toBe(true);
  }, 240_000);
});
