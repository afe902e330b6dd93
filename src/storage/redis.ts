// Redis connections (ioredis). Command connections fail fast; BullMQ workers need
// maxRetriesPerRequest=null, which `blocking: true` gives.
import { Redis } from "ioredis";

export type { Redis } from "ioredis";

export function createRedis(url: string, name: string, options: { blocking?: boolean } = {}): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: options.blocking ? null : 3,
    enableOfflineQueue: true,
  });
}
