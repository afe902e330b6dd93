// Shared by every process entry point: stop cleanly once on SIGINT/SIGTERM (close servers and
// connections, then exit 0), and exit 1 if stopping hangs.
import type { Logger } from "./logger.ts";

export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 10_000) {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, graceMs);
    force.unref();
    stop()
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      });
  };
  // "on": a second signal (e.g. Ctrl-C relayed by a wrapper) must not kill the process mid-stop.
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
