// (Re)builds a map cell's live state from PostgreSQL when Redis has none: a new epoch, offset 0.
// Safe against concurrent rebuilds (the first wins) and against changes published meanwhile (the
// init script sees the cell's miss counter moved and we read the ledger again). A cell that holds
// no active space gets no state at all: Redis keeps nothing for the empty map a client looks at.
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

/**
 * The position of a cell that holds no space and has no state in Redis. Never a generated epoch
 * (those are 16 characters), so a cell built later always differs from it.
 */
export const EMPTY_CELL_EPOCH = "empty";

export function newEpoch(): string {
  return `${Date.now().toString(36)}${randomBytes(4).toString("hex")}`;
}

/** Every active space of each of `cells` as the map should show it at `now`, from the ledger (4 queries in all). */
export async function loadCellsFromLedger(
  db: Queryable,
  cells: readonly string[],
  now: Date,
): Promise<Map<string, SpaceLiveState[]>> {
  const result = new Map<string, SpaceLiveState[]>(cells.map((c) => [c, []]));
  if (cells.length === 0) return result;
  const { rows: spaces } = await db.query<LedgerSpace & { h3_cell: string }>(
    `select s.id, s.h3_cell, s.lat, s.lng, s.hourly_rate as hourly, s.currency, s.timezone, s.title,
            s.space_type as "spaceType", s.booking_mode as "bookingMode",
            coalesce((select array_agg(a.amenity order by a.amenity) from space_amenities a where a.space_id = s.id),
                     '{}') as amenities
       from parking_spaces s where s.h3_cell = any($1::text[]) and s.status = 'active' order by s.id`,
    [cells],
  );
  if (spaces.length === 0) return result;
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
    for (const row of rows) {
      const list = map.get(row.space_id);
      if (list) list.push(row);
      else map.set(row.space_id, [row]);
    }
    return map;
  };
  const w = bySpace(windows.rows);
  const e = bySpace(exceptions.rows);
  const b = bySpace(bookings.rows);
  for (const space of spaces) {
    const state = liveStateFromLedger(
      { ...space, currency: space.currency.trim() },
      w.get(space.id) ?? [],
      e.get(space.id) ?? [],
      b.get(space.id) ?? [],
      now,
    );
    result.get(space.h3_cell)?.push(state);
  }
  return result;
}

/** Every active space of `cell` as the map should show it at `now`, from the ledger. */
export async function loadCellFromLedger(db: Queryable, cell: string, now: Date): Promise<SpaceLiveState[]> {
  return (await loadCellsFromLedger(db, [cell], now)).get(cell) ?? [];
}

/** Installs a cell's ledger state unless built meanwhile; -1 when a change was missed (read again). */
async function installCell(live: LiveContext, cell: string, missedBefore: string, spaces: SpaceLiveState[]) {
  const keys = cellKeys(cell, live.resolutions);
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
  return { code: Number(code), epoch: String(epoch), offset: Number(offset) };
}

/**
 * Makes sure every one of `cells` that holds spaces has live state in Redis, reading the ledger
 * once for all that have none (a zoomed-out map or a fresh viewport after Redis lost its state).
 * Returns the cells that have no state and hold no space in the ledger (nothing written for them).
 */
export async function ensureCellsBuilt(live: LiveContext, cells: readonly string[]): Promise<Set<string>> {
  const empty = new Set<string>();
  let pending = [...new Set(cells)];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && pending.length > 0; attempt++) {
    const pipeline = live.redis.pipeline();
    for (const cell of pending) {
      const keys = cellKeys(cell, live.resolutions);
      pipeline.exists(keys.meta).get(keys.missed);
    }
    const replies = (await pipeline.exec()) ?? [];
    const missing: Array<{ cell: string; missed: string }> = [];
    pending.forEach((cell, i) => {
      const missed = replies[2 * i + 1]?.[1];
      if (Number(replies[2 * i]?.[1] ?? 0) === 0)
        missing.push({ cell, missed: missed == null ? "" : String(missed) });
    });
    if (missing.length === 0) return empty;
    const states = await loadCellsFromLedger(
      live.pool,
      missing.map((m) => m.cell),
      new Date(),
    );
    const held = missing.filter((m) => (states.get(m.cell) ?? []).length > 0);
    const vacant = missing.filter((m) => (states.get(m.cell) ?? []).length === 0);
    const [results, unchanged] = await Promise.all([
      Promise.all(held.map((m) => installCell(live, m.cell, m.missed, states.get(m.cell)!))),
      missedUnchanged(live, vacant),
    ]);
    vacant.forEach((m, i) => {
      if (unchanged[i]) empty.add(m.cell);
    });
    pending = [
      ...held.filter((_, i) => results[i]!.code === -1).map((m) => m.cell),
      ...vacant.filter((_, i) => !unchanged[i]).map((m) => m.cell),
    ];
  }
  if (pending.length > 0)
    throw new Error(`live cells ${pending.join(", ")}: could not rebuild, changes kept arriving`);
  return empty;
}

/** Whether each cell's miss counter still reads what it did before the ledger was read. */
async function missedUnchanged(
  live: LiveContext,
  cells: ReadonlyArray<{ cell: string; missed: string }>,
): Promise<boolean[]> {
  if (cells.length === 0) return [];
  const now = await live.redis.mget(...cells.map((c) => cellKeys(c.cell, live.resolutions).missed));
  return cells.map((c, i) => (now[i] ?? "") === c.missed);
}

/**
 * Makes sure `cell` has live state in Redis when it holds spaces, rebuilding it from PostgreSQL when
 * it has none. Returns the cell's position (a fresh epoch at offset 0 when this call built it;
 * EMPTY_CELL_EPOCH at offset 0, `empty`, when the cell holds no space and nothing was written).
 */
export async function ensureCellBuilt(
  live: LiveContext,
  cell: string,
): Promise<CellPosition & { built: boolean; empty: boolean }> {
  const keys = cellKeys(cell, live.resolutions);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const existing = await live.redis.hmget(keys.meta, "epoch", "offset");
    if (existing[0])
      return { epoch: existing[0], offset: Number(existing[1] ?? 0), built: false, empty: false };
    const missedBefore = (await live.redis.get(keys.missed)) ?? "";
    const spaces = await loadCellFromLedger(live.pool, cell, new Date());
    if (spaces.length === 0) {
      const [unchanged] = await missedUnchanged(live, [{ cell, missed: missedBefore }]);
      if (unchanged) return { epoch: EMPTY_CELL_EPOCH, offset: 0, built: false, empty: true };
      continue;
    }
    const result = await installCell(live, cell, missedBefore, spaces);
    if (result.code !== -1)
      return { epoch: result.epoch, offset: result.offset, built: result.code === 1, empty: false };
  }
  throw new Error(`live cell ${cell}: could not rebuild, changes kept arriving`);
}
