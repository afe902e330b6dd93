// Runs wrk with loadtest/wrk/booking.lua against one server and reads back the JSON line its done()
// prints: requests, latency percentiles and answers by status. The one generator of the booking
// benchmark: the Idempotency-Keys, the garage's slots and the pacing are made in that script.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { runWrk } from "./wrk-run.ts";

const script = fileURLToPath(new URL("./wrk/booking.lua", import.meta.url));

/** Which windows a run asks for (see loadtest/wrk/booking.lua). */
export type Windows =
  /** A random space of the file, a random 1–3 h window on whole hours in [base, base + slots h). */
  | { mode: "random"; slots: number }
  /** The file's one space, free 15-minute slots in order from base; held: i < heldEnd, i % gap ≠ 0. */
  | { mode: "garage"; heldEnd: number; gap: number };

export interface LoadOptions {
  url: string;
  spacesFile: string;
  tokensFile: string;
  /** Earliest window start, epoch seconds (a whole hour). */
  baseSeconds: number;
  windows: Windows;
  /** A fresh Idempotency-Key on every request, or none. */
  keys: boolean;
  /** Requests per second over all connections; unpaced (as fast as answers come) when absent. */
  rate?: number;
  /** Where to post instead of /api/v1/bookings, `{spaceId}` filled in per request (Restate's ingress). */
  path?: string | undefined;
  seconds: number;
  connections: number;
  threads: number;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  socketErrors: number;
  statuses: Record<string, number>;
}

/** The generator's command line for a run, as printed under the benchmark's tables. */
export function wrkCommand(wrk: string, options: Pick<LoadOptions, "connections" | "threads" | "seconds">) {
  return `${wrk} -t${options.threads} -c${options.connections} -d${options.seconds}s --timeout 10s -s loadtest/wrk/booking.lua`;
}

export async function wrkLoad(wrk: string, options: LoadOptions): Promise<LoadResult> {
  const windows =
    options.windows.mode === "random"
      ? ["mode=random", `slots=${options.windows.slots}`]
      : ["mode=garage", `held_end=${options.windows.heldEnd}`, `gap=${options.windows.gap}`];
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "10s",
    "-s",
    script,
    options.url,
    "--",
    `spaces=${options.spacesFile}`,
    `tokens=${options.tokensFile}`,
    `base=${options.baseSeconds}`,
    `threads=${options.threads}`,
    // Each run's own tag, so no two runs share an Idempotency-Key (the gateway keeps them 24 h).
    `run=${randomBytes(4).toString("hex")}`,
    `keys=${options.keys ? "on" : "off"}`,
    ...windows,
    ...(options.rate === undefined ? [] : [`rate=${options.rate}`]),
    ...(options.path === undefined ? [] : [`path=${options.path}`]),
  ];
  const raw = await runWrk<{
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    maxUs: number;
    socketErrors: number;
    statuses: Record<string, number>;
  }>(wrk, args);
  return {
    requests: raw.requests,
    seconds: raw.durationUs / 1e6,
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    maxMs: raw.maxUs / 1000,
    socketErrors: raw.socketErrors,
    statuses: raw.statuses,
  };
}
