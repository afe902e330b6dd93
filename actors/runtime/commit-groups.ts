// Groups the fenced commits of one worker: commits asked for during one turn of the event loop (the
// batches that one mailbox read started, decided side by side) go to Redis together after it, one
// `commitGroup` call per shard lease. Fewer script calls, writes and reply messages per command when
// many actors each commit a small batch (a flash crowd over a few spaces); each commit still gets
// its own outcome, exactly as from `driver.commit`.
import type { ActorDriver, CommitOutcome, CommitRequest, Fence } from "./driver.ts";
import type { HostStats } from "./host-stats.ts";

interface Waiting {
  request: CommitRequest;
  resolve: (outcome: CommitOutcome) => void;
  reject: (error: unknown) => void;
}

/** Most actors' batches in one script call (bounds its size; a batch holds up to maxBatch commands). */
const MAX_PARTS = 32;

export class CommitGroups {
  /** Keyed by the runner's fence object: one lease of one shard. */
  private waiting = new Map<Fence, Waiting[]>();
  private scheduled = false;

  constructor(
    private readonly driver: ActorDriver,
    private readonly stats: HostStats,
  ) {}

  /** Resolves with this commit's outcome; rejects as `driver.commit` would (StaleEpochError, I/O). */
  commit(fence: Fence, request: CommitRequest): Promise<CommitOutcome> {
    return new Promise<CommitOutcome>((resolve, reject) => {
      let list = this.waiting.get(fence);
      if (list === undefined) {
        list = [];
        this.waiting.set(fence, list);
      }
      list.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  private send(): void {
    this.scheduled = false;
    const groups = this.waiting;
    this.waiting = new Map();
    for (const [fence, list] of groups) {
      for (let from = 0; from < list.length; from += MAX_PARTS) {
        const part = list.slice(from, from + MAX_PARTS);
        this.stats.commitCalls += 1;
        this.driver
          .commitGroup(
            fence,
            part.map((w) => w.request),
          )
          .then(
            (outcomes) => {
              for (let i = 0; i < part.length; i++) part[i]!.resolve(outcomes[i]!);
            },
            (error: unknown) => {
              for (const w of part) w.reject(error);
            },
          );
      }
    }
  }
}
