// Runs wrk with loadtest/wrk/booking.lua against one server and reads back the JSON line its done()
// prints: requests, latency percentiles and answers by status.
import { runWrk } from "./wrk-run.ts";

export interface LoadOptions {
  url: string;
  spacesFile: string;
  tokensFile: string;
  /** Earliest window start, epoch seconds (a whole hour). */
  baseSeconds: number;
  /** Number of whole-hour starts a window may take from baseSeconds. */
  slots: number;
  seconds: number;
  connections: number;
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

export async function wrkLoad(
  wrk: string,
  options: LoadOptions & {
    threads: number;
    script: string;
    /** Where to post instead of /api/v1/bookings, `{spaceId}` filled in per request (Restate's ingress). */
    pathTemplate?: string;
  },
): Promise<LoadResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    "--timeout",
    "10s",
    "-s",
    options.script,
    options.url,
    "--",
    options.spacesFile,
    options.tokensFile,
    String(options.baseSeconds),
    String(options.slots),
    ...(options.pathTemplate === undefined ? [] : [options.pathTemplate]),
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
