// The space actor publishes each space's map state computed from its in-memory rules and bookings:
// after requests, a cancellation and a request-to-book, what the cell shows equals what a rebuild
// from the ledger derives (loadCellFromLedger), for a space open around the clock and for one with
// daily hours in its own time zone.
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { createLiveContext, loadCellFromLedger, readCell } from "../../src/live/index.ts";
import { openSpace, window } from "../support/booking-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp({ ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "4" });
const live = createLiveContext(t.config, t.deps.redis, t.deps.pool);

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool, "test-publisher-host", live);
});

/** The space as its cell shows it, once it equals the ledger's derivation (or the last seen after ~2 s). */
async function shownAndDerived(cell: string, spaceId: string) {
  let shown: unknown;
  let derived: unknown;
  for (let i = 0; i < 100; i++) {
    const read = await readCell(live, cell);
    shown = (read.kind === "snapshot" ? read.spaces : [])
      .map((s) => JSON.parse(s))
      .find((s) => s.id === spaceId);
    derived = (await loadCellFromLedger(t.deps.pool, cell, new Date())).find((s) => s.id === spaceId);
    if (JSON.stringify(shown) === JSON.stringify(derived)) break;
    await sleep(20);
  }
  return { shown, derived };
}

describe("live map state from the actor's memory", () => {
  it("equals the ledger's derivation after bookings and a cancellation, around the clock", async () => {
    const { spaceId, space } = await openSpace(t);
    const driver = await t.signUp("driver");
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1, 2) });
    const second = await driver.client.post("/api/v1/bookings", { spaceId, ...window(5, 1) });
    expect([first.status, second.status]).toEqual([201, 201]);
    let seen = await shownAndDerived(space.cells.map, spaceId);
    expect(seen.shown).toMatchObject({ state: "available", freeUntil: window(1, 2).start });
    expect(seen.shown).toEqual(seen.derived);

    expect((await driver.client.put(`/api/v1/bookings/${first.body.id}/cancel`)).status).toBe(200);
    seen = await shownAndDerived(space.cells.map, spaceId);
    expect(seen.shown).toMatchObject({ state: "available", freeUntil: window(5, 1).start });
    expect(seen.shown).toEqual(seen.derived);
  });

  it("equals the ledger's derivation for daily hours in the space's time zone and a request-to-book", async () => {
    const { spaceId, space } = await openSpace(t, {
      timezone: "Pacific/Auckland",
      bookingMode: "request",
      schedule: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start: "07:00", end: "19:00" })),
    });
    const driver = await t.signUp("driver");
    const tomorrowNoon = new Date(Date.now() + 2 * 86_400_000);
    const auckland = new Intl.DateTimeFormat("en-CA", { timeZone: "Pacific/Auckland" }).format(tomorrowNoon);
    const start = new Date(`${auckland}T10:00:00+13:00`);
    const requested = await driver.client.post("/api/v1/bookings", {
      spaceId,
      start: start.toISOString(),
      end: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
    });
    expect(requested.status).toBe(201);
    expect(requested.body.status).toBe("pending_approval");
    const seen = await shownAndDerived(space.cells.map, spaceId);
    expect(seen.shown).toBeDefined();
    expect(seen.shown).toEqual(seen.derived);
  });
});
