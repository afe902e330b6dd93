// What a space actor tells the live side after a decision is committed (docs/protocol.md, "the
// publish contract"): the space's new map state in its cell, and approval prompts for its host
// (a new request-to-book put in front of the host; a decided or lapsed one taken away).
import {
  type LiveContext,
  loadCellFromLedger,
  notifyApprovalRequest,
  publishSpaceChange,
  type ResolvedStatus,
  resolveApprovalRequest,
} from "../../src/live/index.ts";
import type { SpaceEvent } from "./space-commands.ts";
import type { SpaceState } from "./space-state.ts";

const RESOLVED = new Set<string>(["confirmed", "rejected", "expired", "cancelled"]);

export async function publishSpaceDecision(
  live: LiveContext,
  state: SpaceState,
  events: readonly SpaceEvent[],
): Promise<void> {
  const hostId = state.settings.hostId;
  for (const event of events) {
    if (event.type === "bookingRequested" && event.booking.status === "pending_approval") {
      const { booking } = event;
      const { rows } = await live.pool.query<{ name: string }>(
        `select trim(first_name || ' ' || left(last_name, 1)) as name from users where id = $1`,
        [booking.driverId],
      );
      await notifyApprovalRequest(live.redis, hostId, {
        bookingId: booking.id,
        spaceId: state.spaceId,
        driver: { id: booking.driverId, name: rows[0]?.name || "Driver" },
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
      await resolveApprovalRequest(live.redis, hostId, event.bookingId, event.to as ResolvedStatus);
    }
  }
  // The map state is derived from the ledger (which already holds the change), so a repeated or
  // reordered publish still shows the truth.
  const { rows } = await live.pool.query<{ cell: string }>(
    `select h3_cell as cell from parking_spaces where id = $1 and status = 'active'`,
    [state.spaceId],
  );
  const cell = rows[0]?.cell;
  if (cell === undefined) return;
  const space = (await loadCellFromLedger(live.pool, cell, new Date())).find((s) => s.id === state.spaceId);
  if (space !== undefined) await publishSpaceChange(live, cell, space);
}
