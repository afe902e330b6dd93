// What space actors tell the live side after their decisions are committed (docs/protocol.md, "the
// publish contract"): each space's new map state in its cell, and approval prompts for its host (a
// new request-to-book put in front of the host; a decided or lapsed one taken away).
// The map state is computed from the actor's in-memory state (its rules and bookings, which the
// commit just made true) with the same derivation the ledger rebuild uses. Decisions committed
// close together are published together: one flush per turn of the event loop, one query for the
// locations and driver names it lacks (an activation read from the ledger hands its location over),
// the Redis writes of every space sent side by side, flushes one after the other so a space's
// changes reach Redis in the order they were decided. A cell Redis holds no state for is left to
// its first reader, who builds it from the ledger (which holds the change already).
import {
  LIVE_HORIZON_MS,
  type LiveContext,
  liveStateFromRules,
  notifyApprovalRequest,
  publishSpaceChange,
  type ResolvedStatus,
  resolveApprovalRequest,
} from "../../src/live/index.ts";
import type { Logger } from "../../src/logger.ts";
import type { SpaceEvent } from "./space-commands.ts";
import { locationOf, SETTINGS_VERSION, type SpaceLocation } from "./space-loader.ts";
import type { SpaceState } from "./space-state.ts";

const RESOLVED = new Set<string>(["confirmed", "rejected", "expired", "cancelled"]);
/** Locations kept at most; past it the cache starts over (a worker hosts a bounded set of spaces). */
const LOCATIONS_MAX = 100_000;

interface Pending {
  state: SpaceState;
  events: SpaceEvent[];
}

export class SpaceLivePublisher {
  private pending = new Map<string, Pending>();
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private readonly locations = new Map<string, SpaceLocation>();

  constructor(
    private readonly live: LiveContext,
    private readonly logger?: Logger,
  ) {}

  /** Queues a committed decision of a space (its state after it, and its events); returns at once. */
  enqueue(state: SpaceState, events: readonly SpaceEvent[]): void {
    const queued = this.pending.get(state.spaceId);
    if (queued === undefined) this.pending.set(state.spaceId, { state, events: [...events] });
    else {
      queued.state = state;
      queued.events.push(...events);
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // The batch is taken when the previous flush is done: what piled up meanwhile goes in one.
      this.chain = this.chain
        .then(() => {
          const batch = this.pending;
          this.pending = new Map();
          return batch.size === 0 ? undefined : this.publish([...batch.values()]);
        })
        .catch((error: unknown) => this.logger?.error({ err: error }, "live publish failed"));
    });
  }

  /** A space's location read with its state (an activation), so its first publish needs no query. */
  remember(spaceId: string, location: SpaceLocation): void {
    if (this.locations.size >= LOCATIONS_MAX) this.locations.clear();
    this.locations.set(spaceId, location);
  }

  /** Publishes decisions now (without queueing): prompts, then the map state of each space. */
  async publish(batch: readonly Pending[]): Promise<void> {
    const [names, locations] = await Promise.all([this.driverNames(batch), this.locationsOf(batch)]);
    await Promise.all(
      batch.map(async ({ state, events }) => {
        await this.prompts(state, events, names);
        const where = locations.get(state.spaceId);
        if (where === undefined || !where.active) return;
        const { settings } = state;
        const space = liveStateFromRules(
          {
            id: state.spaceId,
            lat: where.lat,
            lng: where.lng,
            hourly: settings.rates.hourly,
            currency: settings.currency,
            timezone: settings.rules.timeZone,
          },
          settings.rules,
          state.bookings.startingBefore(Date.now() + LIVE_HORIZON_MS),
          Date.now(),
        );
        await publishSpaceChange(this.live, where.cell, space, { unbuilt: "leave" });
      }),
    );
  }

  private async prompts(state: SpaceState, events: readonly SpaceEvent[], names: Map<string, string>) {
    const hostId = state.settings.hostId;
    // In order: a request put up and decided within one batch ends taken down.
    for (const event of events) {
      if (event.type === "bookingRequested" && event.booking.status === "pending_approval") {
        const { booking } = event;
        await notifyApprovalRequest(this.live.redis, hostId, {
          bookingId: booking.id,
          spaceId: state.spaceId,
          driver: { id: booking.driverId, name: names.get(booking.driverId) || "Driver" },
          start: new Date(booking.start).toISOString(),
          end: new Date(booking.end).toISOString(),
          totalAmount: booking.totalAmount,
          currency: booking.currency,
          expiresAt: new Date(booking.expiresAt ?? booking.start).toISOString(),
        });
      } else if (
        event.type === "bookingStatusChanged" &&
        event.from === "pending_approval" &&
        RESOLVED.has(event.to)
      ) {
        await resolveApprovalRequest(this.live.redis, hostId, event.bookingId, event.to as ResolvedStatus);
      }
    }
  }

  /** Display names of the drivers whose requests wait for a host, in one query. */
  private async driverNames(batch: readonly Pending[]): Promise<Map<string, string>> {
    const ids = new Set<string>();
    for (const { events } of batch) {
      for (const e of events) {
        if (e.type === "bookingRequested" && e.booking.status === "pending_approval")
          ids.add(e.booking.driverId);
      }
    }
    if (ids.size === 0) return new Map();
    const { rows } = await this.live.pool.query<{ id: string; name: string }>(
      `select id, trim(first_name || ' ' || left(last_name, 1)) as name from users where id = any($1::uuid[])`,
      [[...ids]],
    );
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  /** Map cell, point and status of each space, read once per space version (one query for all misses). */
  private async locationsOf(batch: readonly Pending[]): Promise<Map<string, SpaceLocation>> {
    const found = new Map<string, SpaceLocation>();
    const missing: string[] = [];
    for (const { state } of batch) {
      const known = this.locations.get(state.spaceId);
      if (known !== undefined && known.version === (state.settingsVersion ?? null)) {
        found.set(state.spaceId, known);
      } else missing.push(state.spaceId);
    }
    if (missing.length === 0) return found;
    const { rows } = await this.live.pool.query<{
      id: string;
      cell: string;
      lat: number;
      lng: number;
      status: string;
      version: string;
    }>(
      `select id, h3_cell as cell, lat, lng, status, ${SETTINGS_VERSION} as version
         from parking_spaces where id = any($1::uuid[])`,
      [missing],
    );
    if (this.locations.size + rows.length > LOCATIONS_MAX) this.locations.clear();
    for (const row of rows) {
      const location = locationOf(row);
      this.locations.set(row.id, location);
      found.set(row.id, location);
    }
    return found;
  }
}
