// JSON logs (pino), one logger per process with its component name bound. Every line passes
// through the credential redaction before it is written.
import { pino } from "pino";
import type { Config } from "./config/index.ts";
import { redactSecrets } from "./log-redaction.ts";

export type Logger = pino.Logger;

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(
  config: Pick<Config, "LOG_LEVEL">,
  component: string,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { component, pid: process.pid },
    hooks: { streamWrite: redactSecrets },
  };
  return destination ? pino(options, destination) : pino(options);
}
