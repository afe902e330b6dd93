// Sequential GETs of a list of search paths against a server in another process: wrk (one
// connection, loadtest/wrk/search.lua) when it is installed, else node's fetch. Both give the same
// summary: answers, latency percentiles and answers by status.
import { fileURLToPath } from "node:url";
import { runWrk } from "./wrk-run.ts";

const script = fileURLToPath(new URL("./wrk/search.lua", import.meta.url));

export interface SearchLoadResult {
  generator: string;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  socketErrors: number;
  statuses: Record<string, number>;
}

/** Runs `paths` (and `limit` answers in all, cycling) one after another on one connection. */
export function searchLoad(
  wrk: string | undefined,
  baseUrl: string,
  paths: { file: string; list: string[] },
  limit: number,
): Promise<SearchLoadResult> {
  return wrk === undefined ? fetchLoad(baseUrl, paths.list, limit) : wrkLoad(wrk, baseUrl, paths.file, limit);
}

async function wrkLoad(wrk: string, baseUrl: string, file: string, limit: number): Promise<SearchLoadResult> {
  const args = ["-t1", "-c1", "-d600s", "--timeout", "10s", "-s", script, baseUrl, "--", file, String(limit)];
  const raw = await runWrk<{
    requests: number;
    p50Us: number;
    p99Us: number;
    meanUs: number;
    maxUs: number;
    socketErrors: number;
    statuses: Record<string, number>;
  }>(wrk, args, { stopOn: "WRK_ANSWERED" });
  return {
    generator: `${wrk} -t1 -c1 + search.lua`,
    requests: raw.requests,
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    meanMs: raw.meanUs / 1000,
    maxMs: raw.maxUs / 1000,
    socketErrors: raw.socketErrors,
    statuses: raw.statuses,
  };
}

async function fetchLoad(baseUrl: string, list: string[], limit: number): Promise<SearchLoadResult> {
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let socketErrors = 0;
  for (let i = 0; i < limit; i++) {
    const started = performance.now();
    try {
      const response = await fetch(`${baseUrl}${list[i % list.length]}`);
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    } catch {
      socketErrors++;
    }
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)]!;
  return {
    generator: "node fetch, one connection (wrk not installed)",
    requests: samples.length,
    p50Ms: at(50),
    p99Ms: at(99),
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    maxMs: samples.at(-1)!,
    socketErrors,
    statuses,
  };
}
