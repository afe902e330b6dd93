// Group commit of booking requests across the space actors of one worker: request batches of
// different spaces that reach the ledger close together are written by one statement (one round trip,
// one plan, one transaction for all), a few statements in flight at most; the batches that arrive
// meanwhile wait and go together next. A statement that fails (an overlap in one space, say) fails
// only the batch it belongs to: each of its batches is then written alone and gets its own verdict.
import type { Queryable } from "../../src/storage/postgres.ts";
import { type RequestBatch, type RequestWriter, writeRequestBatches } from "./space-ledger.ts";

export interface RequestCommitGroupOptions {
  /** Statements in flight at once (each holds one pooled connection). */
  readonly concurrency?: number;
  /** Most booking rows in one statement. */
  readonly maxRows?: number;
}

interface Waiting {
  readonly batch: RequestBatch;
  readonly resolve: (written: number) => void;
  readonly reject: (error: unknown) => void;
}

export class RequestCommitGroup implements RequestWriter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxRows: number;

  constructor(
    private readonly db: Queryable,
    options: RequestCommitGroupOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxRows = options.maxRows ?? 512;
  }

  write(batch: RequestBatch): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ batch, resolve, reject });
      // Batches handed over in this turn of the event loop (replies that arrived together) go together.
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.length > 0) {
      const group = this.take();
      this.inFlight += 1;
      void this.send(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /** The next statement's batches: in arrival order, one per space, up to maxRows rows. */
  private take(): Waiting[] {
    const group: Waiting[] = [];
    const spaces = new Set<string>();
    let rows = 0;
    for (let i = 0; i < this.waiting.length; ) {
      const item = this.waiting[i]!;
      const fits = group.length === 0 || rows + item.batch.rows.length <= this.maxRows;
      if (!fits) break;
      if (spaces.has(item.batch.spaceId)) {
        i += 1;
        continue;
      }
      spaces.add(item.batch.spaceId);
      rows += item.batch.rows.length;
      group.push(item);
      this.waiting.splice(i, 1);
    }
    return group;
  }

  private async send(group: Waiting[]): Promise<void> {
    try {
      const written = await writeRequestBatches(
        this.db,
        group.map((w) => w.batch),
      );
      for (const w of group) w.resolve(written.get(w.batch.spaceId) ?? 0);
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // One space's overlap (or any failure) must not decide the others: each batch alone.
      await Promise.all(
        group.map(async (w) => {
          try {
            w.resolve((await writeRequestBatches(this.db, [w.batch])).get(w.batch.spaceId) ?? 0);
          } catch (alone) {
            w.reject(alone);
          }
        }),
      );
    }
  }
}
