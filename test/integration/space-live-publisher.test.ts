// The space actor publishes each space's map state computed from its in-memory rules and bookings:
// after requests, a cancellation and a request-to-book, what the cell shows equals what a rebuild
// from the ledger derives (loadCellFromLedger), for a space open around the clock and for one with
// daily hours in its own time zone. A cell nobody has read is left unbuilt until its first reader.
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { cellKeys, createLiveContext, loadCellFromLedger, readCell } from "../../src/live/index.ts";
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
    // Watched: built before the bookings, so what it shows is what the actor published.
    const built = await readCell(live, space.cells.map);
    const driver = await t.signUp("driver");
    const first = await driver.client.post("/api/v1/bookings", { spaceId, ...window(1, 2) });
    const second = await driver.client.post("/api/v1/bookings", { spaceId, ...window(5, 1) });
    expect([first.status, second.status]).toEqual([201, 201]);
    let seen = await shownAndDerived(space.cells.map, spaceId);
    expect(seen.shown).toMatchObject({ state: "available", freeUntil: window(1, 2).start });
    expect(seen.shown).toEqual(seen.derived);
    const after = await readCell(live, space.cells.map, built);
    expect(after.kind === "deltas" && after.epoch === built.epoch && after.messages.length).toBeGreaterThan(
      0,
    );

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
    const built = await readCell(live, space.cells.map);
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
    const after = await readCell(live, space.cells.map, built);
    expect(after.kind === "deltas" && after.epoch === built.epoch && after.messages.length).toBeGreaterThan(
      0,
    );
  });

  it("leaves an unread cell unbuilt; its first reader sees the booking from the ledger", async () => {
    const { spaceId, space } = await openSpace(t);
    const keys = cellKeys(space.cells.map, live.resolutions);
    // Listing the space may have built its cell: drop it, as Redis would after a restart.
    await t.deps.redis.del(keys.meta, keys.spaces, keys.history, keys.missed);
    const driver = await t.signUp("driver");
    const booked = await driver.client.post("/api/v1/bookings", { spaceId, ...window(0, 2) });
    expect(booked.status).toBe(201);
    // The decision's publish bumps the cell's miss counter and builds nothing.
    await expect.poll(() => t.deps.redis.get(keys.missed), { timeout: 2000 }).not.toBeNull();
    expect(await t.deps.redis.exists(keys.meta)).toBe(0);
    const seen = await shownAndDerived(space.cells.map, spaceId);
    expect(seen.shown).toMatchObject({ state: "available", freeUntil: window(0, 2).start });
    expect(seen.shown).toEqual(seen.derived);
  });
});
