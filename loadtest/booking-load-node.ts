// The booking benchmark's fallback generator when wrk cannot be installed: the same requests as
// loadtest/wrk/booking.lua from `connections` concurrent fetch loops in this process (slower than
// wrk, and it competes with the servers for the same cores: figures it makes are marked as such).
import { readFileSync } from "node:fs";
import type { LoadOptions, LoadResult } from "./booking-load-wrk.ts";

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);

export async function nodeLoad(options: LoadOptions): Promise<LoadResult> {
  const spaces = lines(options.spacesFile);
  const tokens = lines(options.tokensFile);
  const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let socketErrors = 0;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < until) {
        const start = (options.baseSeconds + Math.floor(Math.random() * options.slots) * 3600) * 1000;
        const end = start + (1 + Math.floor(Math.random() * 3)) * 3_600_000;
        const body = JSON.stringify({
          spaceId: pick(spaces),
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
        });
        const sent = performance.now();
        try {
          const response = await fetch(`${options.url}/api/v1/bookings`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${pick(tokens)}` },
            body,
          });
          await response.arrayBuffer();
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          latencies.push(performance.now() - sent);
        } catch {
          socketErrors += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    seconds,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? 0,
    socketErrors,
    statuses,
  };
}
