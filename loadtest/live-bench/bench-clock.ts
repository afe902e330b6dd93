// Time and latency bookkeeping shared by the benchmark's processes: a clock that agrees across
// processes on one machine (CLOCK_MONOTONIC through process.hrtime), and a fixed-bucket latency
// histogram (0.1 ms buckets up to 10 s) that client processes fill and the harness merges.
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const BUCKET_MS = 0.1;
const BUCKETS = 100_000;

export class LatencyHistogram {
  readonly counts = new Uint32Array(BUCKETS + 1);
  total = 0;
  max = 0;

  add(ms: number) {
    const bucket = Math.min(BUCKETS, Math.max(0, Math.floor(ms / BUCKET_MS)));
    this.counts[bucket]! += 1;
    this.total += 1;
    if (ms > this.max) this.max = ms;
  }

  /** Non-empty buckets as [bucket, count] pairs, small enough for IPC. */
  toPairs(): Array<[number, number]> {
    const pairs: Array<[number, number]> = [];
    this.counts.forEach((count, bucket) => {
      if (count > 0) pairs.push([bucket, count]);
    });
    return pairs;
  }

  merge(pairs: ReadonlyArray<[number, number]>, max: number) {
    for (const [bucket, count] of pairs) {
      this.counts[bucket]! += count;
      this.total += count;
    }
    if (max > this.max) this.max = max;
  }

  /** The upper edge of the bucket holding the p-th percentile (ms). */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return bucket === BUCKETS ? this.max : (bucket + 1) * BUCKET_MS;
    }
    return this.max;
  }
}
