// The ledger's last line of defence: PostgreSQL itself refuses two slot-holding bookings of one
// space whose times overlap, whatever code path tries to insert them.
import { beforeAll, describe, expect, it } from "vitest";
import { pgErrorCode } from "../../src/storage/postgres.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
let spaceId = "";
let driverId = "";

async function insertBooking(status: string, from: string, to: string, space = spaceId) {
  return t.deps.pool.query(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
     values ($1, $2, $3, tstzrange($4::timestamptz, $5::timestamptz, '[)'), 'EUR', 1000, 150, 850) returning id`,
    [space, driverId, status, from, to],
  );
}

async function newSpace(hostId: string) {
  const { rows } = await t.deps.pool.query(
    `insert into parking_spaces (host_id, title, address_line1, city, postal_code, country, lat, lng, h3_cell,
       h3_shard_cell, timezone, space_type, space_size, booking_mode, currency, hourly_rate)
     values ($1, 'Garage', 'Calle Mayor 1', 'Madrid', '28013', 'ES', 40.4168, -3.7038, '89390cb1b4bffff',
       '84390cbffffffff', 'Europe/Madrid', 'garage', 'standard', 'instant', 'EUR', 300) returning id`,
    [hostId],
  );
  return rows[0].id as string;
}

beforeAll(async () => {
  const host = await t.signUp("host");
  const driver = await t.signUp("driver");
  driverId = driver.userId;
  spaceId = await newSpace(host.userId);
});

describe("bookings_no_overlap exclusion constraint", () => {
  it("refuses an overlapping confirmed booking with SQLSTATE 23P01", async () => {
    await insertBooking("confirmed", "2030-01-01T10:00Z", "2030-01-01T12:00Z");
    const error = await insertBooking("confirmed", "2030-01-01T11:00Z", "2030-01-01T13:00Z").catch((e) => e);
    expect(pgErrorCode(error)).toBe("23P01");
    expect(String(error.constraint)).toBe("bookings_no_overlap");
  });

  it("counts every slot-holding status: pending_approval and awaiting_payment and active clash too", async () => {
    await insertBooking("pending_approval", "2030-02-01T10:00Z", "2030-02-01T12:00Z");
    for (const status of ["confirmed", "awaiting_payment", "active", "pending_approval"]) {
      const error = await insertBooking(status, "2030-02-01T11:59Z", "2030-02-01T12:30Z").catch((e) => e);
      expect(pgErrorCode(error), status).toBe("23P01");
    }
  });

  it("allows back-to-back bookings: [) bounds make 10-12 and 12-14 disjoint", async () => {
    await insertBooking("confirmed", "2030-03-01T10:00Z", "2030-03-01T12:00Z");
    await expect(insertBooking("confirmed", "2030-03-01T12:00Z", "2030-03-01T14:00Z")).resolves.toBeDefined();
  });

  it("ignores bookings that no longer hold the slot", async () => {
    for (const status of ["cancelled", "rejected", "expired", "completed", "payment_failed"]) {
      await insertBooking(status, "2030-04-01T10:00Z", "2030-04-01T12:00Z");
    }
    await expect(insertBooking("confirmed", "2030-04-01T10:00Z", "2030-04-01T12:00Z")).resolves.toBeDefined();
  });

  it("a status change back to a holding status is refused too", async () => {
    await insertBooking("confirmed", "2030-05-01T10:00Z", "2030-05-01T12:00Z");
    const { rows } = await insertBooking("cancelled", "2030-05-01T11:00Z", "2030-05-01T13:00Z");
    const error = await t.deps.pool
      .query(`update bookings set status = 'confirmed' where id = $1`, [rows[0].id])
      .catch((e) => e);
    expect(pgErrorCode(error)).toBe("23P01");
  });

  it("only compares bookings of the same space", async () => {
    const other = await newSpace((await t.signUp("host")).userId);
    await insertBooking("confirmed", "2030-06-01T10:00Z", "2030-06-01T12:00Z");
    await expect(
      insertBooking("confirmed", "2030-06-01T10:00Z", "2030-06-01T12:00Z", other),
    ).resolves.toBeDefined();
  });

  it("refuses ranges with other bounds or empty ones", async () => {
    const error = await t.deps.pool
      .query(
        `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
         values ($1, $2, 'confirmed', tstzrange('2030-07-01T10:00Z', '2030-07-01T12:00Z', '[]'), 'EUR', 1, 0, 1)`,
        [spaceId, driverId],
      )
      .catch((e) => e);
    expect(pgErrorCode(error)).toBe("23514");
  });
});
