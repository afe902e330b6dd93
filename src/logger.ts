// JSON logs (pino), one logger per process with its component name bound.
import { pino } from "pino";
import type { Config } from "./config/index.ts";

export type Logger = pino.Logger;

export function createLogger(config: Pick<Config, "LOG_LEVEL">, component: string): Logger {
  return pino({ level: config.LOG_LEVEL, base: { component, pid: process.pid } });
}
