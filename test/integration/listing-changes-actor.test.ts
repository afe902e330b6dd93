// Listing changes reach the space's actor at once (real Redis + PostgreSQL, the actor hosted in this
// process, two gateway apps): hours reopened are bookable on the next request, without the actor's
// version check (set to an hour here); a space moved to another shard while drivers book it is
// handed to the new shard's actor (the old one keeps no reminder and takes nothing), and every
// booking acknowledged during the move is in the ledger, none overlapping; the other gateway's
// cached routing is dropped at once, and all of it when its lost subscription comes back.
import { cellToBoundary, cellToParent, latLngToCell } from "h3-js";
import { beforeAll, describe, expect, it } from "vitest";
import { shardOfCell } from "../../actors/runtime/index.ts";
import { shardKeys } from "../../actors/runtime/keys.ts";
import { createLiveContext, readCell } from "../../src/live/index.ts";
import { waitFor } from "../support/actor-conformance.ts";
import { openSpace, sqlDrivers, window } from "../support/booking-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp } from "../support/test-app.ts";

const overrides = { ACTOR_KEY_PREFIX: actorPrefix(), ACTOR_SHARD_COUNT: "4" };
const t = createTestApp(overrides);
/** A second gateway: its own routing cache, dropped by the first one's listing changes. */
const other = createTestApp(overrides);
const resolutions = { map: t.config.H3_MAP_RESOLUTION, shard: t.config.H3_SHARD_RESOLUTION };
const shardOf = (p: { lat: number; lng: number }) =>
  shardOfCell(latLngToCell(p.lat, p.lng, resolutions.map), resolutions, t.config.ACTOR_SHARD_COUNT);
const shardCellOf = (p: { lat: number; lng: number }) =>
  cellToParent(latLngToCell(p.lat, p.lng, resolutions.map), resolutions.shard);
const keysOf = (shard: number) => shardKeys(`${overrides.ACTOR_KEY_PREFIX}:`, shard);

const live = createLiveContext(t.config, t.deps.redis, t.deps.pool);

beforeAll(async () => {
  // Only a listing change tells the actor: its own look at the ledger's version waits an hour.
  await startSpaceHost(t.config, t.deps.pool, "listing-changes-host", live, { settingsCheckMs: 3_600_000 });
});

/** Two points a few dozen metres apart whose spaces belong to different shards' actors. */
function pointsAcrossShards(): [{ lat: number; lng: number }, { lat: number; lng: number }] {
  for (let lng = -10; lng < 10; lng += 0.7) {
    const shardCell = latLngToCell(40, lng, resolutions.shard);
    for (const [vlat, vlng] of cellToBoundary(shardCell)) {
      const around = Array.from({ length: 12 }, (_, i) => ({
        lat: vlat + 0.0004 * Math.cos((i * Math.PI) / 6),
        lng: vlng + (0.0004 * Math.sin((i * Math.PI) / 6)) / Math.cos((vlat * Math.PI) / 180),
      }));
      for (const p of around) for (const q of around) if (shardOf(p) !== shardOf(q)) return [p, q];
    }
  }
  throw new Error("no two shards met");
}

const tomorrowUtc = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe("listing changes and the space's actor", () => {
  it("takes a booking in hours reopened a moment ago, and refuses one in hours closed a moment ago", async () => {
    const { host, spaceId } = await openSpace(t);
    const driver = await t.signUp("driver");
    const tomorrow = tomorrowUtc();
    const book = (hour: number) =>
      driver.client.post("/api/v1/bookings", {
        spaceId,
        start: `${tomorrow}T${String(hour).padStart(2, "0")}:00:00.000Z`,
        end: `${tomorrow}T${String(hour + 1).padStart(2, "0")}:00:00.000Z`,
      });

    const closing = await host.client.post(`/api/v1/spaces/${spaceId}/availability`, {
      exceptions: [{ date: tomorrow, kind: "closed" }],
    });
    expect(closing.status).toBe(200);
    // The actor is active now, on tomorrow closed.
    expect((await book(10)).body.error?.code).toBe("outside_schedule");

    const reopening = await host.client.post(`/api/v1/spaces/${spaceId}/availability`, { exceptions: [] });
    expect(reopening.status).toBe(200);
    const booked = await book(11);
    expect(booked.status).toBe(201);
    expect(booked.body.status).toBe("confirmed");

    const closingAgain = await host.client.post(`/api/v1/spaces/${spaceId}/availability`, {
      exceptions: [{ date: tomorrow, kind: "closed", start: "14:00", end: "24:00" }],
    });
    expect(closingAgain.status).toBe(200);
    expect((await book(15)).body.error?.code).toBe("outside_schedule");
    expect((await book(12)).status).toBe(201);
  });

  it("hands a space moved to another shard to that shard's actor while drivers book it: nothing lost, nothing overlapping", async () => {
    const [from, to] = pointsAcrossShards();
    const [oldShard, newShard] = [shardOf(from), shardOf(to)];
    const { host, spaceId } = await openSpace(t, { location: from });
    const drivers = await sqlDrivers(other, 12, "move");
    // The other gateway routes the space to its first shard, and its actor takes a booking there.
    const first = await drivers[0]!.post("/api/v1/bookings", { spaceId, ...window(0, 1) });
    expect(first.status).toBe(201);
    expect((await other.deps.spaceCommands.space(spaceId)).shardCell).toBe(shardCellOf(from));
    const member = (name: string) => JSON.stringify(["space", spaceId, name]);
    expect(
      await t.deps.redis.zscore(keysOf(oldShard).reminders, member(`start:${first.body.id}`)),
    ).not.toBeNull();

    // Drivers book overlapping windows through the other gateway: a wave answered by the old shard's
    // actor, a wave sent while the host moves the space, and a wave after the move, each overlapping
    // the others.
    const wave = (from: number) =>
      drivers
        .slice(from, from + 4)
        .flatMap((driver, i) =>
          [0, 1, 2].map((j) =>
            driver.post("/api/v1/bookings", { spaceId, ...window(2 + ((i * 3 + j) % 9), 2) }),
          ),
        );
    const before = await Promise.all(wave(0));
    expect(before.filter((a) => a.status === 201).length).toBeGreaterThan(0);
    // The map shows it in its first cell.
    const cellOf = (p: { lat: number; lng: number }) => latLngToCell(p.lat, p.lng, resolutions.map);
    const shows = async (p: { lat: number; lng: number }) => {
      const read = await readCell(live, cellOf(p));
      return read.kind === "snapshot" && read.spaces.some((json) => json.includes(spaceId));
    };
    expect(await shows(from)).toBe(true);
    const [during, moved] = await Promise.all([
      Promise.all(wave(4)),
      host.client.put(`/api/v1/spaces/${spaceId}`, { location: to }),
    ]);
    expect(moved.status).toBe(200);
    const afterwards = await Promise.all(wave(8));
    const answers = [...before, ...during, ...afterwards];
    for (const a of answers) expect([201, 409]).toContain(a.status);
    const acknowledged = [first, ...answers.filter((a) => a.status === 201)].map((a) => a.body.id as string);

    // Every acknowledged booking is in the ledger, and the ledger holds no other; none overlap.
    const { rows } = await t.deps.pool.query<{ id: string; start: Date; end: Date }>(
      `select id, lower(during) as start, upper(during) as "end" from bookings
        where space_id = $1 and status = 'confirmed' order by lower(during)`,
      [spaceId],
    );
    expect(rows.map((r) => r.id).sort()).toEqual([...acknowledged].sort());
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.start >= rows[i - 1]!.end).toBe(true);

    // The other gateway was told: it routes to the new shard now, well before its cache would lapse.
    await waitFor(
      () => other.deps.spaceCommands.space(spaceId),
      (routing) => routing.shardCell === shardCellOf(to),
      1000,
      "the other gateway's routing dropped",
    );
    // The new shard's actor serves it: it takes a booking and keeps every booking's reminders; the
    // old shard's actor keeps none.
    const after = await drivers[1]!.post("/api/v1/bookings", { spaceId, ...window(40, 1) });
    expect(after.status).toBe(201);
    await waitFor(
      async () => {
        const [oldOnes, newOnes] = await Promise.all(
          [oldShard, newShard].map((shard) => t.deps.redis.zrange(keysOf(shard).reminders, "0", "-1")),
        );
        const mine = (members: string[]) => members.filter((m) => m.includes(spaceId));
        return { old: mine(oldOnes!), new: mine(newOnes!) };
      },
      (r) =>
        r.old.length === 0 &&
        [...acknowledged, after.body.id].every((id) => r.new.includes(member(`end:${id}`))),
      5000,
      "reminders handed to the new shard",
    );
    expect(await t.deps.redis.exists(keysOf(newShard).state("space", spaceId))).toBe(1);
    // The old shard's actor took it off its old cell; the map shows it in the new one.
    await waitFor(
      async () => ({ old: await shows(from), now: await shows(to) }),
      (r) => !r.old && r.now,
      1000,
      "the space shown in its new cell only",
    );
  });
});

describe("routing notices", () => {
  it("a gateway whose subscription dropped forgets every routing when it is back (a notice may have been lost)", async () => {
    const { spaceId } = await openSpace(t);
    expect((await other.deps.spaceCommands.space(spaceId)).bookingMode).toBe("instant");
    // Changed behind the gateways' backs (no notice), then the subscription drops and comes back.
    await t.deps.pool.query("update parking_spaces set booking_mode = 'request' where id = $1", [spaceId]);
    expect((await other.deps.spaceCommands.space(spaceId)).bookingMode).toBe("instant");
    const clients = (await t.deps.redis.client("LIST")) as string;
    const ids = clients
      .split("\n")
      .filter((line) => / name=gateway-routing /.test(` ${line} `))
      .map((line) => /\bid=(\d+)/.exec(line)![1]!);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) await t.deps.redis.client("KILL", "ID", id);
    await waitFor(
      () => other.deps.spaceCommands.space(spaceId),
      (routing) => routing.bookingMode === "request",
      5000,
      "the routing read again after the subscription came back",
    );
  });
});
