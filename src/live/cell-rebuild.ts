// (Re)builds a map cell's live state from PostgreSQL when Redis has none: a new epoch, offset 0.
// Safe against concurrent rebuilds (the first wins) and against changes published meanwhile (the
// init script sees the cell's miss counter moved and we read the ledger again).
import { randomBytes } from "node:crypto";
import type { Queryable } from "../storage/postgres.ts";
import { cellKeys } from "./cell-keys.ts";
import {
  type LedgerBooking,
  type LedgerSpace,
  liveStateFromLedger,
  type ScheduleException,
  type WeeklyWindow,
} from "./ledger-live-state.ts";
import type { LiveContext } from "./live-context.ts";
import { runLiveScript } from "./live-scripts.ts";
import { encodeSpaceLiveState, type SpaceLiveState } from "./space-live-state.ts";

const MAX_ATTEMPTS = 5;

export interface CellPosition {
  epoch: string;
  offset: number;
}

export function newEpoch(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
}

/** Every active space of `cell` as the map should show it at `now`, from the ledger. */
export async function loadCellFromLedger(db: Queryable, cell: string, now: Date): Promise<SpaceLiveState[]> {
  const { rows: spaces } = await db.query<LedgerSpace & { id: string }>(
    `select id, lat, lng, hourly_rate as hourly, currency, timezone
       from parking_spaces where h3_cell = $1 and status = 'active' order by id`,
    [cell],
  );
  if (spaces.length === 0) return [];
  const ids = spaces.map((s) => s.id);
  const [windows, exceptions, bookings] = await Promise.all([
    db.query<WeeklyWindow & { space_id: string }>(
      `select space_id, day_of_week as day, start_minute as start, end_minute as "end"
         from space_availability where space_id = any($1::uuid[])`,
      [ids],
    ),
    db.query<ScheduleException & { space_id: string }>(
      `select space_id, to_char(local_date, 'YYYY-MM-DD') as date, kind, start_minute as start, end_minute as "end"
         from space_availability_exceptions
        where space_id = any($1::uuid[]) and local_date between ($2::timestamptz - interval '2 days')::date
          and ($2::timestamptz + interval '10 days')::date`,
      [ids, now],
    ),
    db.query<LedgerBooking & { space_id: string }>(
      `select space_id, status, lower(during) as start, upper(during) as "end" from bookings
        where space_id = any($1::uuid[])
          and status in ('awaiting_payment', 'pending_approval', 'confirmed', 'active')
          and during && tstzrange($2::timestamptz, $2::timestamptz + interval '10 days')`,
      [ids, now],
    ),
  ]);
  const bySpace = <T extends { space_id: string }>(rows: T[]) => {
    const map = new Map<string, T[]>();
    for (const row of rows) map.set(row.space_id, [...(map.get(row.space_id) ?? []), row]);
    return map;
  };
  const w = bySpace(windows.rows);
  const e = bySpace(exceptions.rows);
  const b = bySpace(bookings.rows);
  return spaces.map((space) =>
    liveStateFromLedger(
      { ...space, currency: space.currency.trim() },
      w.get(space.id) ?? [],
      e.get(space.id) ?? [],
      b.get(space.id) ?? [],
      now,
    ),
  );
}

/**
 * Makes sure `cell` has live state in Redis, rebuilding it from PostgreSQL when it has none.
 * Returns the cell's position (a fresh epoch at offset 0 when this call built it).
 */
export async function ensureCellBuilt(
  live: LiveContext,
  cell: string,
): Promise<CellPosition & { built: boolean }> {
  const keys = cellKeys(cell, live.resolutions);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await live.redis.hmget(keys.meta, "epoch", "offset");
    if (existing[0]) return { epoch: existing[0], offset: Number(existing[1] ?? 0), built: false };
    const missedBefore = (await live.redis.get(keys.missed)) ?? "";
    const spaces = await loadCellFromLedger(live.pool, cell, new Date());
    const pairs = spaces.flatMap((s) => [s.id, encodeSpaceLiveState(s)]);
    const free = spaces.filter((s) => s.state === "available").length;
    const [code, epoch, offset] = await runLiveScript(
      live.redis,
      "init-cell",
      [keys.meta, keys.spaces, keys.history, keys.missed, keys.aggregate.counts],
      [
        cell,
        missedBefore,
        newEpoch(),
        keys.channel,
        keys.aggregate.channel,
        keys.aggregateCell,
        free,
        spaces.length,
        ...pairs,
      ],
    );
    if (code !== -1) return { epoch: String(epoch), offset: Number(offset), built: code === 1 };
  }
  throw new Error(`live cell ${cell}: could not rebuild, changes kept arriving`);
}
