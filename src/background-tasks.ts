// Work a request starts but does not wait for (mails after an auth answer, so the answer's timing
// says nothing about the account): each task runs after the current turn, a failure is logged, never
// thrown; `drain` waits for the running ones (on shutdown).
import type { Logger } from "./logger.ts";

export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  /** Starts `task` after the current turn of the event loop; returns at once. */
  run(name: string, task: () => Promise<void>): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch((error: unknown) => this.logger.error({ err: error, task: name }, "background task failed"))
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves once every task started so far (and those they start) has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
