// A space's availability over HTTP against real PostgreSQL: replacing the weekly schedule and date
// exceptions and reading the free intervals back (UTC and local, across DST), the refusal when a
// booking would fall outside the new hours, ownership, and validation that writes nothing.
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { hostWithSpace, objectStorageDir, signUpAdmin } from "../support/space-fixtures.ts";
import { createTestApp, expectErrorShape, type TestApp } from "../support/test-app.ts";

const t = createTestApp({ OBJECT_STORAGE_DIR: objectStorageDir() });
const MADRID = "Europe/Madrid";
const EVERY_DAY_8_TO_20 = [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({
  dayOfWeek,
  start: "08:00",
  end: "20:00",
}));

const availabilityPath = (spaceId: string) => `/api/v1/spaces/${spaceId}/availability`;

/** Local midnight of the next given weekday (1 = Monday … 7 = Sunday) at least two days from now. */
function nextLocalDay(weekday: number, zone = MADRID): DateTime {
  let day = DateTime.now().setZone(zone).startOf("day").plus({ days: 2 });
  while (day.weekday !== weekday) day = day.plus({ days: 1 });
  return day;
}

/** Local midnight of the next day (at least two days ahead) on which the zone's offset changes. */
function nextTransitionDay(zone: string, direction: "forward" | "back"): DateTime {
  let day = DateTime.now().setZone(zone).startOf("day").plus({ days: 2 });
  for (let i = 0; i < 400; i++, day = day.plus({ days: 1 })) {
    const change = day.plus({ days: 1 }).startOf("day").offset - day.offset;
    if ((direction === "forward" && change > 0) || (direction === "back" && change < 0)) return day;
  }
  throw new Error(`no DST change ahead in ${zone}`);
}

/** What GET /availability gives for a local-time interval. */
function expectedInterval(start: DateTime, end: DateTime) {
  return {
    start: start.toUTC().toISO(),
    end: end.toUTC().toISO(),
    localStart: start.toISO(),
    localEnd: end.toISO(),
    timeZone: start.zoneName,
    minutes: Math.round(end.diff(start, "minutes").minutes),
  };
}

async function freeBetween(
  client: ReturnType<TestApp["client"]>,
  spaceId: string,
  from: DateTime,
  to: DateTime,
) {
  const query = new URLSearchParams({ from: from.toUTC().toISO()!, to: to.toUTC().toISO()! });
  const res = await client.get(`${availabilityPath(spaceId)}?${query}`);
  if (res.status !== 200) throw new Error(`GET availability: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.free;
}

async function insertBookingAt(
  spaceId: string,
  driverId: string,
  status: string,
  start: DateTime,
  end: DateTime,
) {
  const { rows } = await t.deps.pool.query<{ id: string }>(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
     values ($1, $2, $3, tstzrange($4, $5), 'EUR', 500, 50, 450) returning id`,
    [spaceId, driverId, status, start.toJSDate(), end.toJSDate()],
  );
  return rows[0]!.id;
}

/** Everything a schedule change writes, to check that a refused one wrote nothing. */
async function availabilityFootprint(spaceId: string) {
  const q = async (sql: string) => (await t.deps.pool.query(sql, [spaceId])).rows;
  return {
    hours: await q(
      `select day_of_week, start_minute, end_minute from space_availability where space_id = $1
       order by day_of_week, start_minute`,
    ),
    exceptions: await q(
      `select local_date::text, kind, start_minute, end_minute from space_availability_exceptions
       where space_id = $1 order by local_date, kind, start_minute`,
    ),
    events: await q(
      `select payload from outbox where aggregate_id = $1::text and event_type = 'space_schedule_changed' order by id`,
    ),
    updatedAt: (await q(`select updated_at::text from parking_spaces where id = $1`))[0].updated_at,
  };
}

describe("POST /spaces/{id}/availability: schedule", () => {
  it("replaces the weekly schedule, which GET then reads back as free intervals in UTC and local time", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 0 });
    const res = await host.client.post(availabilityPath(spaceId), {
      schedule: [
        { dayOfWeek: 3, start: "09:00", end: "17:00" },
        { dayOfWeek: 4, start: "22:00", end: "02:00" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      spaceId,
      timeZone: MADRID,
      schedule: [
        { dayOfWeek: 3, start: "09:00", end: "17:00", startMinute: 540, endMinute: 1020 },
        { dayOfWeek: 4, start: "22:00", end: "02:00", startMinute: 1320, endMinute: 1560 },
      ],
      exceptions: [],
    });

    const wednesday = nextLocalDay(3);
    const free = await freeBetween(t.client(), spaceId, wednesday, wednesday.plus({ days: 3 }));
    expect(free).toEqual([
      expectedInterval(wednesday.set({ hour: 9 }), wednesday.set({ hour: 17 })),
      expectedInterval(
        wednesday.plus({ days: 1 }).set({ hour: 22 }),
        wednesday.plus({ days: 2 }).set({ hour: 2 }),
      ),
    ]);
    // The old Monday hours are gone, from GET and from the listing.
    const monday = nextLocalDay(1);
    expect(await freeBetween(t.client(), spaceId, monday, monday.plus({ days: 1 }))).toEqual([]);
    const listing = await t.client().get(`/api/v1/spaces/${spaceId}`);
    expect(listing.body.schedule.map((h: { dayOfWeek: number }) => h.dayOfWeek)).toEqual([3, 4]);
  });

  it("records space_schedule_changed in the outbox with the space's cells", async () => {
    const { host, spaceId, space } = await hostWithSpace(t);
    const res = await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    expect(res.status).toBe(200);
    const { events } = await availabilityFootprint(spaceId);
    expect(events).toEqual([
      { payload: { cell: space.cells.map, shardCell: space.cells.shard, changed: ["schedule"] } },
    ]);
  });

  it("subtracts slot-holding bookings widened by the buffer, and not cancelled ones", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 15 });
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const driver = await t.signUp("driver");
    const day = nextLocalDay(2);
    await insertBookingAt(spaceId, driver.userId, "confirmed", day.set({ hour: 10 }), day.set({ hour: 12 }));
    await insertBookingAt(
      spaceId,
      driver.userId,
      "pending_approval",
      day.set({ hour: 15 }),
      day.set({ hour: 16 }),
    );
    await insertBookingAt(spaceId, driver.userId, "cancelled", day.set({ hour: 18 }), day.set({ hour: 19 }));
    expect(await freeBetween(t.client(), spaceId, day, day.plus({ days: 1 }))).toEqual([
      expectedInterval(day.set({ hour: 8 }), day.set({ hour: 9, minute: 45 })),
      expectedInterval(day.set({ hour: 12, minute: 15 }), day.set({ hour: 14, minute: 45 })),
      expectedInterval(day.set({ hour: 16, minute: 15 }), day.set({ hour: 20 })),
    ]);
  });
});

describe("POST /spaces/{id}/availability: exceptions", () => {
  it("closes a day, adds extra hours and closes some hours; the schedule sent before stays", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 0 });
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const first = nextLocalDay(3);
    const [closedDay, longerDay, lunchDay] = [first, first.plus({ days: 1 }), first.plus({ days: 2 })];
    const res = await host.client.post(availabilityPath(spaceId), {
      exceptions: [
        { date: closedDay.toISODate(), kind: "closed" },
        { date: longerDay.toISODate(), kind: "open", start: "20:00", end: "24:00" },
        { date: lunchDay.toISODate(), kind: "closed", start: "13:00", end: "15:00" },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.schedule).toHaveLength(7);
    expect(res.body.exceptions).toEqual([
      { date: closedDay.toISODate(), kind: "closed", start: null, end: null },
      { date: longerDay.toISODate(), kind: "open", start: "20:00", end: "24:00" },
      { date: lunchDay.toISODate(), kind: "closed", start: "13:00", end: "15:00" },
    ]);

    const free = await freeBetween(t.client(), spaceId, closedDay, lunchDay.plus({ days: 2 }));
    expect(free).toEqual([
      expectedInterval(longerDay.set({ hour: 8 }), longerDay.plus({ days: 1 })),
      expectedInterval(lunchDay.set({ hour: 8 }), lunchDay.set({ hour: 13 })),
      expectedInterval(lunchDay.set({ hour: 15 }), lunchDay.set({ hour: 20 })),
      expectedInterval(
        lunchDay.plus({ days: 1 }).set({ hour: 8 }),
        lunchDay.plus({ days: 1 }).set({ hour: 20 }),
      ),
    ]);
    const read = await t.client().get(availabilityPath(spaceId));
    expect(read.body.exceptions).toEqual(res.body.exceptions);
  });

  it("replaces the exceptions whole: [] removes them all and the closed day reopens", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 0 });
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const day = nextLocalDay(5);
    await host.client.post(availabilityPath(spaceId), {
      exceptions: [{ date: day.toISODate(), kind: "closed" }],
    });
    expect(await freeBetween(t.client(), spaceId, day, day.plus({ days: 1 }))).toEqual([]);
    const cleared = await host.client.post(availabilityPath(spaceId), { exceptions: [] });
    expect(cleared.status).toBe(200);
    expect(cleared.body.exceptions).toEqual([]);
    expect(await freeBetween(t.client(), spaceId, day, day.plus({ days: 1 }))).toEqual([
      expectedInterval(day.set({ hour: 8 }), day.set({ hour: 20 })),
    ]);
  });

  it("opens a day the weekly schedule leaves closed, inside a closed-all-day exception too", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 0 });
    const sunday = nextLocalDay(7);
    const res = await host.client.post(availabilityPath(spaceId), {
      schedule: [{ dayOfWeek: 1, start: "08:00", end: "20:00" }],
      exceptions: [
        { date: sunday.toISODate(), kind: "closed" },
        { date: sunday.toISODate(), kind: "open", start: "10:00", end: "12:00" },
      ],
    });
    expect(res.status).toBe(200);
    expect(await freeBetween(t.client(), spaceId, sunday, sunday.plus({ days: 1 }))).toEqual([
      expectedInterval(sunday.set({ hour: 10 }), sunday.set({ hour: 12 })),
    ]);
  });
});

describe("GET /spaces/{id}/availability across DST changes", () => {
  it("gives the right UTC/local pairs on the spring-forward and fall-back days of the space's zone", async () => {
    const { host, spaceId } = await hostWithSpace(t, { bufferMinutes: 0 });
    const spring = nextTransitionDay(MADRID, "forward");
    const autumn = nextTransitionDay(MADRID, "back");
    // 01:00–04:00 local on both days: 2 hours when 02:00 jumps to 03:00, 4 when 03:00 falls back to 02:00.
    const res = await host.client.post(availabilityPath(spaceId), {
      schedule: [{ dayOfWeek: 1, start: "08:00", end: "20:00" }],
      exceptions: [
        { date: spring.toISODate(), kind: "open", start: "01:00", end: "04:00" },
        { date: autumn.toISODate(), kind: "open", start: "01:00", end: "04:00" },
      ],
    });
    expect(res.status).toBe(200);

    const springFree = await freeBetween(t.client(), spaceId, spring, spring.plus({ days: 1 }));
    expect(springFree).toHaveLength(1);
    expect(springFree[0].localStart).toBe(`${spring.toISODate()}T01:00:00.000+01:00`);
    expect(springFree[0].localEnd).toBe(`${spring.toISODate()}T04:00:00.000+02:00`);
    expect(springFree[0].start).toBe(`${spring.toISODate()}T00:00:00.000Z`);
    expect(springFree[0].end).toBe(`${spring.toISODate()}T02:00:00.000Z`);
    expect(springFree[0].minutes).toBe(120);

    const autumnFree = await freeBetween(t.client(), spaceId, autumn, autumn.plus({ days: 1 }));
    expect(autumnFree).toHaveLength(1);
    expect(autumnFree[0].localStart).toBe(`${autumn.toISODate()}T01:00:00.000+02:00`);
    expect(autumnFree[0].localEnd).toBe(`${autumn.toISODate()}T04:00:00.000+01:00`);
    expect(autumnFree[0].start).toBe(`${autumn.minus({ days: 1 }).toISODate()}T23:00:00.000Z`);
    expect(autumnFree[0].end).toBe(`${autumn.toISODate()}T03:00:00.000Z`);
    expect(autumnFree[0].minutes).toBe(240);
  });

  it("answers a whole day across the change in New York with 23 hours", async () => {
    const { host, spaceId } = await hostWithSpace(t, { timezone: "America/New_York", bufferMinutes: 0 });
    const spring = nextTransitionDay("America/New_York", "forward");
    await host.client.post(availabilityPath(spaceId), {
      schedule: [{ dayOfWeek: spring.weekday % 7, start: "00:00", end: "00:00" }],
    });
    const free = await freeBetween(t.client(), spaceId, spring, spring.plus({ days: 1 }));
    expect(free).toEqual([
      {
        start: `${spring.toISODate()}T05:00:00.000Z`,
        end: `${spring.plus({ days: 1 }).toISODate()}T04:00:00.000Z`,
        localStart: `${spring.toISODate()}T00:00:00.000-05:00`,
        localEnd: `${spring.plus({ days: 1 }).toISODate()}T00:00:00.000-04:00`,
        timeZone: "America/New_York",
        minutes: 23 * 60,
      },
    ]);
  });
});

describe("a schedule change never silently breaks a booking", () => {
  it("is refused with the clashing booking listed and nothing written, then accepted once it is cancelled", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const driver = await t.signUp("driver");
    const monday = nextLocalDay(1);
    const start = monday.set({ hour: 10 });
    const end = monday.set({ hour: 12 });
    const booking = await insertBookingAt(spaceId, driver.userId, "confirmed", start, end);
    // Another booking on a day that stays open does not clash.
    await insertBookingAt(
      spaceId,
      driver.userId,
      "confirmed",
      monday.plus({ days: 1 }).set({ hour: 9 }),
      monday.plus({ days: 1 }).set({ hour: 10 }),
    );
    const before = await availabilityFootprint(spaceId);

    const withoutMondays = EVERY_DAY_8_TO_20.filter((h) => h.dayOfWeek !== 1);
    const refused = await host.client.post(availabilityPath(spaceId), { schedule: withoutMondays });
    expect(refused.status).toBe(409);
    expectErrorShape(refused.body);
    expect(refused.body.error.code).toBe("schedule_conflicts_with_bookings");
    expect((refused.body as any).error.details).toEqual({
      total: 1,
      bookings: [
        { id: booking, status: "confirmed", start: start.toUTC().toISO(), end: end.toUTC().toISO() },
      ],
    });
    // Closing that date, or just its morning, is refused the same way.
    for (const exceptions of [
      [{ date: monday.toISODate(), kind: "closed" }],
      [{ date: monday.toISODate(), kind: "closed", start: "11:30", end: "13:00" }],
    ]) {
      const closed = await host.client.post(availabilityPath(spaceId), { exceptions });
      expect(closed.status).toBe(409);
      expect(closed.body.error.code).toBe("schedule_conflicts_with_bookings");
    }
    expect(await availabilityFootprint(spaceId)).toEqual(before);

    await t.deps.pool.query(`update bookings set status = 'cancelled' where id = $1`, [booking]);
    const accepted = await host.client.post(availabilityPath(spaceId), { schedule: withoutMondays });
    expect(accepted.status).toBe(200);
    const after = await availabilityFootprint(spaceId);
    expect(after.hours).toHaveLength(6);
    expect(after.events).toHaveLength(before.events.length + 1);
  });

  it("accepts a change that keeps every booking's hours open, and counts holds that are not yet confirmed", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const driver = await t.signUp("driver");
    const day = nextLocalDay(4);
    const held = await insertBookingAt(
      spaceId,
      driver.userId,
      "awaiting_payment",
      day.set({ hour: 9 }),
      day.set({ hour: 11 }),
    );
    const narrower = EVERY_DAY_8_TO_20.map((h) => ({ ...h, start: "09:00", end: "11:00" }));
    expect((await host.client.post(availabilityPath(spaceId), { schedule: narrower })).status).toBe(200);
    const tooNarrow = narrower.map((h) => ({ ...h, start: "09:30" }));
    const refused = await host.client.post(availabilityPath(spaceId), { schedule: tooNarrow });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.bookings.map((b: { id: string }) => b.id)).toEqual([held]);
  });
});

describe("a schedule change and a booking racing", () => {
  it("waits for a booking transaction holding the space row, then sees its booking and refuses", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    const driver = await t.signUp("driver");
    const monday = nextLocalDay(1);
    // A booking writer as the design asks: `for share` on the space row, then the insert.
    const booker = await t.deps.pool.connect();
    try {
      await booker.query("begin");
      await booker.query(`select status from parking_spaces where id = $1 for share`, [spaceId]);
      await booker.query(
        `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
         values ($1, $2, 'confirmed', tstzrange($3, $4), 'EUR', 500, 50, 450)`,
        [spaceId, driver.userId, monday.set({ hour: 10 }).toJSDate(), monday.set({ hour: 11 }).toJSDate()],
      );
      let settled = false;
      const change = host.client
        .post(availabilityPath(spaceId), {
          schedule: EVERY_DAY_8_TO_20.filter((h) => h.dayOfWeek !== 1),
        })
        .finally(() => {
          settled = true;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      await booker.query("commit");
      const res = await change;
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("schedule_conflicts_with_bookings");
    } finally {
      await booker.query("rollback").catch(() => {});
      booker.release();
    }
    expect((await availabilityFootprint(spaceId)).hours).toHaveLength(7);
  });
});

describe("who may change availability", () => {
  it("refuses another host and a driver (403), anonymous callers (401); anyone may read it", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const before = await availabilityFootprint(spaceId);
    const change = { schedule: EVERY_DAY_8_TO_20 };
    const other = await t.signUp("host");
    const driver = await t.signUp("driver");
    for (const caller of [other.client, driver.client]) {
      const res = await caller.post(availabilityPath(spaceId), change);
      expect(res.status).toBe(403);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe("forbidden");
    }
    const anonymous = await t.client().post(availabilityPath(spaceId), change);
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous.body);
    expect(await availabilityFootprint(spaceId)).toEqual(before);

    const read = await t.client().get(availabilityPath(spaceId));
    expect(read.status).toBe(200);
    expect(read.body.spaceId).toBe(spaceId);
    expect(read.body.free.length).toBeGreaterThan(0);
    expect((await host.client.post(availabilityPath(spaceId), change)).status).toBe(200);
  });

  it("lets an admin change any space", async () => {
    const { spaceId } = await hostWithSpace(t);
    const admin = await signUpAdmin(t);
    const res = await admin.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    expect(res.status).toBe(200);
    expect(res.body.schedule).toHaveLength(7);
  });

  it("answers 404 for unknown and deleted spaces; an inactive space has no free intervals", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect((await t.client().get(availabilityPath(unknown))).status).toBe(404);
    expect((await host.client.post(availabilityPath(unknown), { schedule: EVERY_DAY_8_TO_20 })).status).toBe(
      404,
    );
    await host.client.post(availabilityPath(spaceId), { schedule: EVERY_DAY_8_TO_20 });
    await host.client.put(`/api/v1/spaces/${spaceId}`, { status: "inactive" });
    const inactive = await t.client().get(availabilityPath(spaceId));
    expect(inactive.status).toBe(200);
    expect(inactive.body.status).toBe("inactive");
    expect(inactive.body.free).toEqual([]);
    await host.client.call("DELETE", `/api/v1/spaces/${spaceId}`);
    const deleted = await t.client().get(availabilityPath(spaceId));
    expect(deleted.status).toBe(404);
    expectErrorShape(deleted.body);
  });
});

describe("validation", () => {
  const day = () => nextLocalDay(3).toISODate()!;
  const cases: [string, () => unknown, string][] = [
    ["an empty body", () => ({}), ""],
    ["an unknown field", () => ({ schedule: EVERY_DAY_8_TO_20, timezone: "UTC" }), ""],
    [
      "an unknown field in an exception",
      () => ({ exceptions: [{ date: day(), kind: "closed", note: "x" }] }),
      "exceptions.0",
    ],
    [
      "overlapping weekly hours",
      () => ({
        schedule: [
          { dayOfWeek: 1, start: "08:00", end: "14:00" },
          { dayOfWeek: 1, start: "13:00", end: "18:00" },
        ],
      }),
      "schedule.1",
    ],
    [
      "overnight hours running into the next day's",
      () => ({
        schedule: [
          { dayOfWeek: 1, start: "22:00", end: "07:00" },
          { dayOfWeek: 2, start: "06:00", end: "09:00" },
        ],
      }),
      "schedule.1",
    ],
    ["an empty schedule", () => ({ schedule: [] }), "schedule"],
    [
      "a bad clock time",
      () => ({ schedule: [{ dayOfWeek: 1, start: "8:00", end: "25:00" }] }),
      "schedule.0.start",
    ],
    [
      "a date that does not exist",
      () => ({ exceptions: [{ date: "2027-02-30", kind: "closed" }] }),
      "exceptions.0.date",
    ],
    [
      "a date in another format",
      () => ({ exceptions: [{ date: "30/12/2027", kind: "closed" }] }),
      "exceptions.0.date",
    ],
    ["a past date", () => ({ exceptions: [{ date: "2020-01-06", kind: "closed" }] }), "exceptions.0.date"],
    [
      "a date years ahead",
      () => ({ exceptions: [{ date: "2099-01-05", kind: "closed" }] }),
      "exceptions.0.date",
    ],
    [
      "exception hours ending before they start",
      () => ({ exceptions: [{ date: day(), kind: "open", start: "18:00", end: "10:00" }] }),
      "exceptions.0.end",
    ],
    [
      "exception hours ending when they start",
      () => ({ exceptions: [{ date: day(), kind: "closed", start: "10:00", end: "10:00" }] }),
      "exceptions.0.end",
    ],
    [
      "extra hours without hours",
      () => ({ exceptions: [{ date: day(), kind: "open" }] }),
      "exceptions.0.start",
    ],
    [
      "a start without an end",
      () => ({ exceptions: [{ date: day(), kind: "closed", start: "10:00" }] }),
      "exceptions.0.end",
    ],
    ["an unknown kind", () => ({ exceptions: [{ date: day(), kind: "holiday" }] }), "exceptions.0.kind"],
    [
      "the same day closed twice",
      () => ({
        exceptions: [
          { date: day(), kind: "closed" },
          { date: day(), kind: "closed", start: "10:00", end: "11:00" },
        ],
      }),
      "exceptions.1",
    ],
    [
      "overlapping extra hours",
      () => ({
        exceptions: [
          { date: day(), kind: "open", start: "20:00", end: "22:00" },
          { date: day(), kind: "closed", start: "09:00", end: "10:00" },
          { date: day(), kind: "open", start: "21:00", end: "23:00" },
        ],
      }),
      "exceptions.2",
    ],
  ];

  it.each(cases)("refuses %s with 400 and the error shape, writing nothing", async (_name, body, path) => {
    const { host, spaceId } = await hostWithSpace(t);
    const before = await availabilityFootprint(spaceId);
    const res = await host.client.post(availabilityPath(spaceId), body());
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
    expect(res.body.error.code).toBe("validation_failed");
    if (path) expect((res.body as any).error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await availabilityFootprint(spaceId)).toEqual(before);
  });

  it("refuses a body that is not JSON", async () => {
    const { host, spaceId } = await hostWithSpace(t);
    const res = await host.client.call("POST", availabilityPath(spaceId), {
      raw: "{schedule:",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expectErrorShape(res.body);
  });

  it("refuses bad windows on GET (400) and answers the default window of 7 days from now", async () => {
    const { spaceId } = await hostWithSpace(t);
    const from = nextLocalDay(1).toUTC();
    const bad = [
      `from=${from.toISO()}&to=${from.minus({ hours: 1 }).toISO()}`,
      `from=${from.toISO()}&to=${from.toISO()}`,
      `from=${from.toISO()}&to=${from.plus({ days: 31, minutes: 1 }).toISO()}`,
      `from=tomorrow`,
      `from=${from.toISODate()}`,
      `from=${from.toISO()}&limit=3`,
    ];
    for (const query of bad) {
      const res = await t.client().get(`${availabilityPath(spaceId)}?${query.replaceAll("+", "%2B")}`);
      expect(res.status, query).toBe(400);
      expectErrorShape(res.body);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const month = await t
      .client()
      .get(`${availabilityPath(spaceId)}?from=${from.toISO()}&to=${from.plus({ days: 31 }).toISO()}`);
    expect(month.status).toBe(200);
    const byDefault = await t.client().get(availabilityPath(spaceId));
    expect(byDefault.status).toBe(200);
    const window = Date.parse(byDefault.body.to) - Date.parse(byDefault.body.from);
    expect(window).toBe(7 * 86_400_000);
    expect(Math.abs(Date.parse(byDefault.body.from) - Date.now())).toBeLessThan(61_000);
  });

  it("refuses a window starting further ahead than AVAILABILITY_MAX_LEAD_DAYS (400), not a year-10000 answer", async () => {
    const { spaceId } = await hostWithSpace(t);
    for (const from of ["9999-12-31T23:59:59Z", new Date(Date.now() + 367 * 86_400_000).toISOString()]) {
      const res = await t.client().get(`${availabilityPath(spaceId)}?from=${from}`);
      expect({ from, status: res.status }).toEqual({ from, status: 400 });
      expectErrorShape(res.body);
    }
    const farButAllowed = new Date(Date.now() + 365 * 86_400_000).toISOString();
    expect((await t.client().get(`${availabilityPath(spaceId)}?from=${farButAllowed}`)).status).toBe(200);
  });

  it("never answers time already past as free", async () => {
    const { spaceId } = await hostWithSpace(t, {
      schedule: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "00:00", end: "00:00" })),
    });
    const from = DateTime.now().minus({ days: 2 });
    const res = await t.client().get(`${availabilityPath(spaceId)}?from=${from.toUTC().toISO()}`);
    expect(res.status).toBe(200);
    expect(Date.parse(res.body.free[0].start)).toBeGreaterThan(Date.now() - 61_000);
    expect(res.body.to).toBe(from.plus({ days: 7 }).toUTC().toISO());
  });

  it("is described in the OpenAPI document", async () => {
    const doc: any = await (await t.app.request("/openapi.json")).json();
    expect(Object.keys(doc.paths["/api/v1/spaces/{id}/availability"])).toEqual(["post", "get"]);
  });
});
