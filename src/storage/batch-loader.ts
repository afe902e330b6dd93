// Loads by key in batches: the keys asked for in one turn of the event loop (or while the previous
// batch is being read) are read by one query for all of them, a bounded number of queries at once.
// For hot lookups by id whose misses arrive many at a time (a space's routing, an actor's state).

export interface BatchLoaderOptions {
  /** Batches being read at once. */
  readonly concurrency?: number;
  /** Most keys in one batch. */
  readonly maxBatch?: number;
}

interface Asked<V> {
  readonly resolve: (value: V | undefined) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchLoader<K, V> {
  private waiting = new Map<K, Asked<V>[]>();
  private inFlight = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxBatch: number;

  /** `read` returns the value of each key it found; a key it leaves out resolves undefined. */
  constructor(
    private readonly read: (keys: K[]) => Promise<Map<K, V>>,
    options: BatchLoaderOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxBatch = options.maxBatch ?? 256;
  }

  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const asked = this.waiting.get(key);
      if (asked === undefined) this.waiting.set(key, [{ resolve, reject }]);
      else asked.push({ resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.waiting.size > 0) {
      const batch = new Map<K, Asked<V>[]>();
      for (const [key, asked] of this.waiting) {
        if (batch.size >= this.maxBatch) break;
        batch.set(key, asked);
      }
      for (const key of batch.keys()) this.waiting.delete(key);
      this.inFlight += 1;
      void this.send(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async send(batch: Map<K, Asked<V>[]>): Promise<void> {
    try {
      const found = await this.read([...batch.keys()]);
      for (const [key, asked] of batch) for (const a of asked) a.resolve(found.get(key));
    } catch (error) {
      for (const asked of batch.values()) for (const a of asked) a.reject(error);
    }
  }
}
