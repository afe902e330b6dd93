// How the gateway talks to space actors: an actor client started on first use (closed on shutdown),
// the shard of a space from its shard cell (cached briefly), and command ids that map a REST retry
// under the same Idempotency-Key to the same actor command.
import { hash, randomUUID } from "node:crypto";
import type { ActorClient, Answer } from "../../actors/runtime/index.ts";
import { createActorClient, shardOfShardCell } from "../../actors/runtime/index.ts";
import { SPACE_ACTOR_TYPE, type SpaceActorReply, type SpaceCommand } from "../../actors/space/index.ts";
import type { Config } from "../../src/config/index.ts";
import { errors } from "../../src/errors.ts";
import type { Logger } from "../../src/logger.ts";
import { BatchLoader } from "../../src/storage/batch-loader.ts";
import { findSpaceRoutings, type SpaceRouting } from "../../src/storage/bookings-repository.ts";
import type { Queryable } from "../../src/storage/postgres.ts";

/** A space's routing is read again after this long (a moved space changes shard cell). */
const ROUTING_TTL_MS = 30_000;
const ROUTING_CACHE_MAX = 200_000;

type Command = SpaceCommand extends infer C ? (C extends SpaceCommand ? Omit<C, "commandId"> : never) : never;

export class SpaceCommands {
  private started: ReturnType<typeof createActorClient> | undefined;
  /** The started client, once `started` resolved (no promise hop per command after that). */
  private ready: ActorClient | undefined;
  /** Routing and shard per space, read again after ROUTING_TTL_MS. */
  private readonly routing = new Map<string, { value: SpaceRouting; shard: number; until: number }>();
  /** Misses that arrive together are read by one query. */
  private readonly routingLoader: BatchLoader<string, SpaceRouting>;

  constructor(
    private readonly db: Queryable,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly name = "gateway",
  ) {
    this.routingLoader = new BatchLoader((ids) => findSpaceRoutings(this.db, ids));
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
    const { shard } = await this.routed(spaceId);
    const client = this.ready ?? (await this.client());
    return client.call<SpaceActorReply>(
      { actorType: SPACE_ACTOR_TYPE, actorId: spaceId, shard },
      { ...command, commandId: id.commandId },
      id.fingerprint === undefined
        ? { commandId: id.commandId }
        : { commandId: id.commandId, fingerprint: id.fingerprint },
    );
  }

  async close(): Promise<void> {
    const started = this.started;
    this.started = undefined;
    this.ready = undefined;
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
