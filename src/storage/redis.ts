// Redis connections (ioredis). Command connections fail fast; BullMQ workers need
// maxRetriesPerRequest=null, which `blocking: true` gives. `autoPipelining` batches the commands issued
// in one tick into one write (many small concurrent commands, e.g. the actor runtime).
import { Redis } from "ioredis";

export type { Redis } from "ioredis";

export function createRedis(
  url: string,
  name: string,
  options: { blocking?: boolean; autoPipelining?: boolean } = {},
): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: options.blocking ? null : 3,
    enableOfflineQueue: true,
    enableAutoPipelining: options.autoPipelining ?? false,
  });
}
