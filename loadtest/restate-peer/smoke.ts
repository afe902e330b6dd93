// Shows that the Restate peer works, not how fast it is: starts it, sends 200 bookings at once for
// overlapping windows of one space (exactly one may win), replays a request under its idempotency
// key (the same answer must come back), then, where wrk can be had, runs it for a few seconds with
// the booking benchmark's script against the ingress. Exits non-zero when a check fails.
//   node --import tsx loadtest/restate-peer/smoke.ts
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wrkBinary } from "../../devstack/system-packages.ts";
import { wrkLoad } from "../booking-load-wrk.ts";
import { SPACE_BOOKINGS, startRestatePeer } from "./index.ts";

const HOUR = 3_600_000;
const QUARTER = HOUR / 4;
const CONCURRENT = 200;

let failed = false;
function check(ok: boolean, what: string) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failed = true;
}

const dataDir = mkdtempSync(join(tmpdir(), "parkealo-restate-smoke-"));
const started = performance.now();
const peer = await startRestatePeer({ dataDir });
try {
  console.log(
    `[smoke] Restate peer ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${peer.url} ` +
      `(restate-server pid ${peer.pids.server}, service pid ${peer.pids.service})`,
  );
  const spaceId = randomUUID();
  const book = async (window: { start: number; end: number }, idempotencyKey: string) => {
    const response = await fetch(`${peer.url}${peer.bookingPath(spaceId)}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer any-token",
        "idempotency-key": idempotencyKey,
      },
      body: JSON.stringify({
        spaceId,
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
      }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  // Every window holds [base + 45 min, base + 3 h), so any two overlap.
  const base = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
  const requests = Array.from({ length: CONCURRENT }, (_, i) => ({
    window: { start: base + (i % 4) * QUARTER, end: base + 3 * HOUR + (i % 5) * QUARTER },
    key: randomUUID(),
  }));
  const answers = await Promise.all(requests.map((r) => book(r.window, r.key)));
  const byStatus = (status: number) => answers.filter((a) => a.status === status).length;
  console.log(
    `[smoke] ${CONCURRENT} overlapping bookings at once: ${byStatus(200)} × 200, ${byStatus(409)} × 409`,
  );
  check(byStatus(200) === 1, "exactly one booking won (200)");
  check(byStatus(409) === CONCURRENT - 1, "every other one was refused (409)");
  const refusal = answers.find((a) => a.status === 409)?.body;
  check(
    (refusal?.metadata as Record<string, unknown> | undefined)?.code === "slot_unavailable",
    `a refusal names slot_unavailable: ${JSON.stringify(refusal)}`,
  );
  const stored = (await (
    await fetch(`${peer.url}/${SPACE_BOOKINGS}/${spaceId}/bookings`, { method: "POST" })
  ).json()) as unknown[];
  check(stored.length === 1, `the space holds one booking (${JSON.stringify(stored)})`);

  const winner = answers.findIndex((a) => a.status === 200);
  if (winner >= 0) {
    const replay = await book(requests[winner]!.window, requests[winner]!.key);
    check(
      replay.status === 200 && JSON.stringify(replay.body) === JSON.stringify(answers[winner]!.body),
      `the winner's replay under its idempotency key answers the same booking (${replay.body.id})`,
    );
  }
  const loser = answers.findIndex((a) => a.status === 409);
  if (loser >= 0) {
    const replay = await book(requests[loser]!.window, requests[loser]!.key);
    check(replay.status === 409, "a refused request's replay is refused again (409)");
  }

  const wrk = wrkBinary();
  if (wrk === undefined) {
    console.log("[smoke] no wrk here: load run skipped");
  } else {
    const spacesFile = join(dataDir, "spaces.txt");
    const tokensFile = join(dataDir, "tokens.txt");
    writeFileSync(spacesFile, `${Array.from({ length: 100 }, () => randomUUID()).join("\n")}\n`);
    writeFileSync(tokensFile, "any-token\n");
    const result = await wrkLoad(wrk, {
      url: peer.url,
      spacesFile,
      tokensFile,
      baseSeconds: base / 1000,
      windows: { mode: "random", slots: 7 * 24 },
      keys: true,
      seconds: 5,
      connections: 32,
      threads: 1,
      path: peer.bookingPathTemplate,
    });
    const decided = (result.statuses[200] ?? 0) + (result.statuses[409] ?? 0);
    console.log(
      `[smoke] wrk, 5 s, 32 connections, 100 spaces (not a result: a shared 2-core machine): ` +
        `${Math.round(decided / result.seconds)} decided/s, statuses ${JSON.stringify(result.statuses)}, ` +
        `p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.socketErrors} socket errors`,
    );
    check(
      decided === result.requests && result.socketErrors === 0,
      "every wrk request was decided (200 or 409)",
    );
  }
} finally {
  await peer.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(failed ? "[smoke] FAILED" : "[smoke] all checks passed");
process.exit(failed ? 1 : 0);
