// Public door of the generic actor runtime (nothing here knows about parking).
export type {
  ActivationContext,
  ActorAddress,
  ActorContext,
  ActorDefinition,
  AnyActorDefinition,
  StateEntries,
} from "./actor.ts";
export { DecideAgainError, defineActor } from "./actor.ts";
export { ActorClient, type ActorClientOptions, type Answer, type SendOptions } from "./actor-client.ts";
export { ActorHost, type ActorHostOptions, type HostSnapshot } from "./actor-host.ts";
export type {
  ActorDriver,
  CommitRequest,
  DeadLetter,
  Delivery,
  Fence,
  Reminder,
  StateWrite,
} from "./driver.ts";
export { KEY_REUSED, sameRequest } from "./envelope.ts";
export {
  actorDriverFromConfig,
  actorNamespace,
  createActorClient,
  runtimeSettingsFromConfig,
} from "./from-config.ts";
export type { HostStats } from "./host-stats.ts";
export { createMemoryDriver } from "./memory-driver.ts";
export { assignShards, shardsOf } from "./placement.ts";
export { createRedisDriver, type RedisDriverOptions } from "./redis-driver.ts";
export { ActorRuntimeError, StaleEpochError } from "./script-codes.ts";
export { type RuntimeSettings, runtimeSettings } from "./settings.ts";
export { shardOfCell, shardOfShardCell } from "./sharding.ts";
