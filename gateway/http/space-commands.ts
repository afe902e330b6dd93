// How the gateway talks to space actors: an actor client started on first use (closed on shutdown),
// the shard of a space from its shard cell (cached, and dropped on every gateway when the listing
// changes: a Redis shard channel), listing changes told to the space's actor after their commit, and
// command ids that map a REST retry under the same Idempotency-Key to the same actor command.
import { hash, randomUUID } from "node:crypto";
import type { ActorClient, Answer } from "../../actors/runtime/index.ts";
import { createActorClient, shardOfShardCell } from "../../actors/runtime/index.ts";
import { SPACE_ACTOR_TYPE, type SpaceActorReply, type SpaceCommand } from "../../actors/space/index.ts";
import type { Config } from "../../src/config/index.ts";
import { AppError, errors } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { BatchLoader } from "../../src/storage/batch-loader.ts";
import { findSpaceRoutings, type SpaceRouting } from "../../src/storage/bookings-repository.ts";
import type { Queryable } from "../../src/storage/postgres.ts";
import { createRedis, type Redis } from "../../src/storage/redis.ts";

/**
 * A space's routing is read again after this long, at the latest: a listing change drops it at
 * once on every gateway (ROUTING_CHANNEL); this bounds the life of one whose notice was lost.
 */
const ROUTING_TTL_MS = 30_000;
const ROUTING_CACHE_MAX = 200_000;
/** Times a command is sent again after the actor it reached said the space moved to another shard. */
const MOVED_RESENDS = 3;

/** Listing changes, one space id per message: every gateway drops its routing of that space. */
export const ROUTING_CHANNEL = "{spaces}:routing-changes";
const SPACE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a space stood before a listing change (its map cell and shard cell). */
export interface ListingPlace {
  readonly cell: string;
  readonly shardCell: string;
}

type Command = SpaceCommand extends infer C ? (C extends SpaceCommand ? Omit<C, "commandId"> : never) : never;

export class SpaceCommands {
  private started: ReturnType<typeof createActorClient> | undefined;
  /** The started client, once `started` resolved (no promise hop per command after that). */
  private ready: ActorClient | undefined;
  /** Routing and shard per space, read again after ROUTING_TTL_MS. */
  private readonly routing = new Map<string, { value: SpaceRouting; shard: number; until: number }>();
  /** Misses that arrive together are read by one query. */
  private readonly routingLoader: BatchLoader<string, SpaceRouting>;
  /** The routing-change subscription, made before the first routing is read (so none is missed). */
  private listening: Promise<void> | undefined;
  private subscriber: Redis | undefined;

  constructor(
    private readonly db: Queryable,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly name = "gateway",
    private readonly redis?: Redis,
  ) {
    this.routingLoader = new BatchLoader((ids) => findSpaceRoutings(this.db, ids));
  }

  /** Subscribes to routing changes once; a lost subscription forgets every routing when it is back. */
  private listen(): Promise<void> {
    this.listening ??= (async () => {
      const subscriber = createRedis(this.config.REDIS_URL, `${this.name}-routing`);
      this.subscriber = subscriber;
      subscriber.on("smessage", (_channel: string, message: string) => {
        // Untrusted: anything but a space id is dropped.
        if (SPACE_ID.test(message)) this.routing.delete(message.toLowerCase());
      });
      let first = true;
      subscriber.on("ready", () => {
        if (!first) this.routing.clear();
        first = false;
      });
      await subscriber.ssubscribe(ROUTING_CHANNEL);
    })().catch((error: unknown) => {
      this.subscriber?.disconnect();
      this.subscriber = undefined;
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async client(): Promise<ActorClient> {
    this.started ??= createActorClient(this.config, this.logger, this.name);
    const { client } = await this.started;
    if (this.started !== undefined) this.ready = client;
    return client;
  }

  private async routed(spaceId: string) {
    const now = Date.now();
    const cached = this.routing.get(spaceId);
    if (cached !== undefined && cached.until > now) return cached;
    await this.listen();
    const value = await this.routingLoader.load(spaceId);
    if (value === undefined || value.status === "deleted") throw errors.notFound("space");
    if (this.routing.size >= ROUTING_CACHE_MAX) this.routing.clear();
    const entry = {
      value,
      shard: shardOfShardCell(value.shardCell, this.config.ACTOR_SHARD_COUNT),
      until: now + ROUTING_TTL_MS,
    };
    this.routing.set(spaceId, entry);
    return entry;
  }

  /** The space's host, status and shard cell; 404 when it does not exist or was deleted. */
  async space(spaceId: string): Promise<SpaceRouting> {
    return (await this.routed(spaceId)).value;
  }

  /**
   * Sends a command to the space's actor and resolves with its reply and whether it is a replay
   * (rejects with its AppError). With a fingerprint the command id came from a caller's key.
   */
  async send(
    spaceId: string,
    command: Command,
    id: { commandId: string; fingerprint?: string | undefined },
  ): Promise<Answer<SpaceActorReply>> {
    for (let resends = 0; ; resends++) {
      const { shard } = await this.routed(spaceId);
      const client = this.ready ?? (await this.client());
      try {
        return await client.call<SpaceActorReply>(
          { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard },
          { ...command, commandId: id.commandId },
          id.fingerprint === undefined
            ? { commandId: id.commandId }
            : { commandId: id.commandId, fingerprint: id.fingerprint },
        );
      } catch (error) {
        // The actor of the shard we knew stood down (the space moved): it did nothing; ask the
        // ledger where the space is now and send the same command there.
        if (!(error instanceof AppError) || error.code !== "space_moved" || resends >= MOVED_RESENDS)
          throw error;
        this.routing.delete(spaceId);
      }
    }
  }

  /**
   * A payment's outcome for its booking's actor (src/payments/booking-payments.ts): one command id
   * per booking and outcome, so the request that paid, the webhook and the booking event's handler
   * telling it alike make one decision. Rejects with the actor's refusal (e.g. the booking expired).
   */
  async paymentOutcome(
    spaceId: string,
    command: { type: "paymentAuthorized" | "paymentFailed"; bookingId: string; reason: string },
  ): Promise<void> {
    await this.send(spaceId, command, { commandId: `payment:${command.bookingId}:${command.type}` });
  }

  /**
   * Called after a listing change is committed (created, edited, rescheduled, deactivated, deleted,
   * moved): every gateway drops its routing of the space, and the space's actor is told through its
   * mailbox, so it reloads the listing before any command sent after this resolves, and shows the
   * change on the map. A move to another shard tells the old shard's actor too (it stands down and
   * takes the space off its old cell). `before`: where the space stood before the change (none for
   * a new space). Never throws: the change is committed whatever happens here (failures are logged;
   * an actor not told still reloads at its next version check or fenced commit).
   */
  async listingChanged(spaceId: string, before?: ListingPlace): Promise<void> {
    try {
      this.routing.delete(spaceId);
      const routing = (await findSpaceRoutings(this.db, [spaceId])).get(spaceId);
      if (routing === undefined) return;
      const count = this.config.ACTOR_SHARD_COUNT;
      const shards = new Set<number>();
      if (before !== undefined) shards.add(shardOfShardCell(before.shardCell, count));
      shards.add(shardOfShardCell(routing.shardCell, count));
      const client = this.ready ?? (await this.client());
      const command = {
        type: "listingChanged" as const,
        ...(before === undefined ? {} : { previousCell: before.cell }),
      };
      await Promise.all([
        this.redis?.spublish(ROUTING_CHANNEL, spaceId),
        ...[...shards].map((shard) =>
          client.tell(
            { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard },
            { ...command, commandId: `listing:${randomUUID()}` },
          ),
        ),
      ]);
    } catch (error) {
      this.logger.warn({ err: error, spaceId }, "could not tell the space's actor of a listing change");
    }
  }

  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    this.ready = undefined;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listening = undefined;
    subscriber?.disconnect();
    if (started) await (await started).close();
  }
}

/**
 * The command id of a booking command: derived from the caller's Idempotency-Key, scoped to the
 * user (one key, one command, whatever the route: the request's fingerprint tells a retry from
 * another request under the same key), so a retry after a timeout reaches the same command;
 * without a key a fresh one.
 */
export function commandIdFor(userId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return `http:${randomUUID()}`;
  const digest = hash("sha256", `${userId}\nbooking-command\n${idempotencyKey}`);
  return `http:${digest}`;
}

/** A uuid named by a command id: the booking a request creates, the same on every retry. */
export function bookingIdFor(commandId: string): string {
  const hex = hash("sha256", `booking\n${commandId}`);
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
