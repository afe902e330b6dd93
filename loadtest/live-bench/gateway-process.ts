// A real gateway process (workers/gateway.ts) that also answers the benchmark harness over IPC:
// its memory once garbage collection has settled (started with --expose-gc) and its CPU time, so
// per-connection memory and the gateway's share of the CPU come from the process itself.
const gc = (globalThis as { gc?: () => void }).gc;

async function settledMemory() {
  // Several full collections a little apart: weak callbacks and finalizers run in between.
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, gcExposed: gc !== undefined };
}

process.on("message", (message: { id: number; command: "memory" | "cpu" }) => {
  const reply = (body: unknown) => process.send?.({ id: message.id, body });
  if (message.command === "memory") void settledMemory().then(reply);
  else reply(process.cpuUsage());
});

await import("../../workers/gateway.ts");
