// What a booking storm must leave in the ledger, checked the same way by every fault test: no two
// slot-holding bookings of a space overlap, and every acknowledged booking is a slot-holding row of
// the space it named.
import { expect } from "vitest";
import type { Pool } from "../../src/storage/postgres.ts";

const SLOT_HOLDING = `('awaiting_payment', 'pending_approval', 'confirmed', 'active')`;

export async function expectLedgerHolds(
  pool: Pool,
  spaceIds: readonly string[],
  acknowledged: readonly { id: string; spaceId: string }[],
): Promise<void> {
  const overlaps = await pool.query(
    `select a.id, b.id as other from bookings a join bookings b
       on a.space_id = b.space_id and a.id < b.id and a.during && b.during
     where a.space_id = any($1::uuid[])
       and a.status in ${SLOT_HOLDING} and b.status in ${SLOT_HOLDING}`,
    [spaceIds],
  );
  expect(overlaps.rows).toEqual([]);
  const ids = acknowledged.map((a) => a.id);
  expect(new Set(ids).size).toBe(ids.length);
  const { rows } = await pool.query<{ id: string; spaceId: string }>(
    `select id, space_id as "spaceId" from bookings where id = any($1::uuid[]) and status in ${SLOT_HOLDING}`,
    [ids],
  );
  const stored = new Map(rows.map((r) => [r.id, r.spaceId]));
  expect(acknowledged.filter((a) => stored.get(a.id) !== a.spaceId)).toEqual([]);
}
