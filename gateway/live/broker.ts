// Cross-process side of the live gateway: Redis shard channels (SSUBSCRIBE) for the cells,
// aggregates and hosts this process watches and the one channel of ended sessions, and the reads (snapshots, history, counts, pending
// prompts). Messages from Redis are treated as untrusted: malformed ones are logged and dropped.
import { z } from "zod";
import { parseRevocation, REVOCATION_CHANNEL } from "../../src/auth/session-revocations.ts";
import { aggregateKeys, cellKeys, parseLiveChannel } from "../../src/live/cell-keys.ts";
import {
  type AggregateCounts,
  type CellRead,
  type ReadCellOptions,
  readAggregates,
  readCell,
} from "../../src/live/cell-reader.ts";
import { type CellPosition, ensureCellsBuilt } from "../../src/live/cell-rebuild.ts";
import { hostOfPromptChannel, hostPromptKeys, pendingApprovalRequests } from "../../src/live/host-prompts.ts";
import type { LiveContext } from "../../src/live/live-context.ts";
import type { Logger } from "../../src/logger.ts";
import type { Redis } from "../../src/storage/redis.ts";
import { Frame } from "./frame.ts";
import type { LocalHub, StreamSubscriptions } from "./hub.ts";

const cellMessage = z.union([
  z.looseObject({ type: z.literal("delta"), epoch: z.string(), offset: z.number().int() }),
  z.looseObject({ type: z.literal("cell_reset") }),
]);
const aggregateMessage = z.union([
  z.looseObject({ type: z.literal("aggregate"), version: z.number().int() }),
  z.looseObject({ type: z.literal("aggregate_reset") }),
]);
const hostMessage = z.looseObject({
  type: z.enum(["approval_request", "approval_resolved"]),
  bookingId: z.string(),
});

export class RedisBroker implements StreamSubscriptions {
  private hub: LocalHub | undefined;
  /** Told of every change heard on a cell stream (a delta's space, or a reset), after the hub. */
  onCellChange:
    | ((cell: string, change: { type: "delta" | "cell_reset"; space?: unknown }) => void)
    | undefined;
  private connectedOnce = false;

  constructor(
    private readonly live: LiveContext,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on("smessage", (channel: string, message: string) => this.onMessage(channel, message));
    subscriber.on("ready", () => {
      // After a reconnect the shard channels are re-subscribed, but what was published meanwhile is
      // gone: every watcher of every cell catches up from the history, and every identified socket
      // re-reads its standing (a logout meanwhile was not heard).
      if (this.connectedOnce) {
        this.hub?.resyncAll();
        this.hub?.recheckIdentities();
      }
      this.connectedOnce = true;
    });
  }

  /** Starts feeding `hub`, ended sessions included (one channel for every user, heard from now on). */
  attach(hub: LocalHub): Promise<void> {
    this.hub = hub;
    return this.subscriber.ssubscribe(REVOCATION_CHANNEL).then(() => undefined);
  }

  private channelOf(kind: "cell" | "aggregate" | "host", id: string): string {
    if (kind === "cell") return cellKeys(id, this.live.resolutions).channel;
    if (kind === "aggregate") return aggregateKeys(id, this.live.resolutions).channel;
    return hostPromptKeys(id).channel;
  }

  async subscribe(kind: "cell" | "aggregate" | "host", id: string): Promise<void> {
    await this.subscriber.ssubscribe(this.channelOf(kind, id));
  }

  unsubscribe(kind: "cell" | "aggregate" | "host", id: string): void {
    this.subscriber.sunsubscribe(this.channelOf(kind, id)).catch((error: unknown) => {
      this.logger.warn({ err: error, kind, id }, "live: unsubscribe failed");
    });
  }

  readCell(cell: string, since?: CellPosition, options?: ReadCellOptions): Promise<CellRead> {
    return readCell(this.live, cell, since, options);
  }

  /**
   * Builds, with one ledger read, the cells among `cells` that Redis has no state for; returns those
   * that hold no space (left without state).
   */
  prebuild(cells: readonly string[]): Promise<Set<string>> {
    return ensureCellsBuilt(this.live, cells);
  }

  readAggregates(cells: readonly string[]): Promise<AggregateCounts[]> {
    return readAggregates(this.live, cells);
  }

  pendingPrompts(hostId: string): Promise<string[]> {
    return pendingApprovalRequests(this.live.redis, hostId);
  }

  private onMessage(channel: string, text: string) {
    const hub = this.hub;
    if (!hub) return;
    if (channel === REVOCATION_CHANNEL) {
      const notice = parseRevocation(text);
      if (notice) hub.deliverRevocation(notice);
      else this.drop(channel);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.logger.warn({ channel }, "live: dropped a message that is not JSON");
      return;
    }
    const stream = parseLiveChannel(channel);
    if (stream?.kind === "cell") {
      const parsed = cellMessage.safeParse(raw);
      if (!parsed.success) return this.drop(channel);
      if (parsed.data.type === "cell_reset") hub.resetCell(stream.cell);
      else
        hub.deliverDelta(stream.cell, {
          epoch: parsed.data.epoch,
          offset: parsed.data.offset,
          frame: new Frame(text),
        });
      this.onCellChange?.(stream.cell, parsed.data);
      return;
    }
    if (stream?.kind === "aggregate") {
      const parsed = aggregateMessage.safeParse(raw);
      if (!parsed.success) return this.drop(channel);
      if (parsed.data.type === "aggregate_reset") hub.resetAggregate(stream.cell);
      else hub.deliverAggregate(stream.cell, parsed.data.version, new Frame(text));
      return;
    }
    const hostId = hostOfPromptChannel(channel);
    const parsed = hostMessage.safeParse(raw);
    if (hostId === undefined || !parsed.success) return this.drop(channel);
    hub.deliverToHost(hostId, parsed.data, new Frame(text));
  }

  private drop(channel: string) {
    this.logger.warn({ channel }, "live: dropped a malformed message");
  }

  async close() {
    this.subscriber.disconnect();
  }
}
