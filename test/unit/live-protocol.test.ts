// Pure: the live protocol's parsing and encoding, the key layout, viewport planning, the rate limit
// and the hub's gap-free delivery rule.
import { cellToParent, latLngToCell } from "h3-js";
import { describe, expect, it } from "vitest";
import { Frame } from "../../gateway/live/frame.ts";
import { applyDelta, type CellWatch, type Watcher } from "../../gateway/live/hub.ts";
import { encode, parseClientMessage, serverMessageSchema } from "../../gateway/live/protocol.ts";
import { TokenBucket } from "../../gateway/live/rate-limit.ts";
import { planViewport } from "../../gateway/live/viewport.ts";
import { cellKeys, parseLiveChannel } from "../../src/live/cell-keys.ts";
import { encodeSpaceLiveState } from "../../src/live/space-live-state.ts";

const resolutions = { map: 9, shard: 4, aggregate: 7 };
const cell = latLngToCell(40.4169, -3.7035, 9);

describe("protocol", () => {
  it("parses each client message and refuses unknown fields and types with a readable problem", () => {
    expect(parseClientMessage(JSON.stringify({ type: "subscribe", cells: [cell] })).ok).toBe(true);
    const viewport = { north: 40.42, south: 40.41, east: -3.69, west: -3.71 };
    expect(parseClientMessage(JSON.stringify({ type: "subscribe", viewport, zoom: 15 })).ok).toBe(true);
    expect(
      parseClientMessage(JSON.stringify({ type: "resume", cells: { [cell]: { epoch: "e", offset: 3 } } })).ok,
    ).toBe(true);
    expect(parseClientMessage("nope")).toEqual({ ok: false, problem: "message is not valid JSON" });
    const unknown = parseClientMessage(JSON.stringify({ type: "dance", ref: 4 }));
    expect(unknown).toMatchObject({ ok: false, ref: 4 });
    const extra = parseClientMessage(JSON.stringify({ type: "approve", bookingId: "x", admin: true }));
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.problem).toMatch(/^invalid approve/);
    const south = parseClientMessage(
      JSON.stringify({ type: "subscribe", viewport: { ...viewport, south: 41 }, zoom: 3 }),
    );
    expect(south.ok).toBe(false);
  });

  it("encodes server messages that satisfy the published schema", () => {
    const space = encodeSpaceLiveState({
      id: "6f1c2c3e-8f0a-4a6b-9a53-2f0c5d1e7a10",
      lat: 40.4,
      lng: -3.7,
      state: "held",
      nextFreeAt: "2026-11-25T12:00:00.000Z",
      hourly: 250,
      currency: "EUR",
    });
    const texts = [
      encode.snapshot(cell, "e1", 4, [space]),
      encode.aggregate({ cell: cellToParent(cell, 7), free: 1, total: 3, version: 2 }),
      encode.subscribed("spaces", [cell], "r"),
      encode.unsubscribed([cell]),
      encode.ack("6f1c2c3e-8f0a-4a6b-9a53-2f0c5d1e7a10", "confirmed", 5),
      encode.error("invalid_message", 'bad "quote"', "x"),
    ];
    for (const text of texts) expect(serverMessageSchema.safeParse(JSON.parse(text)).success).toBe(true);
    expect(Object.keys(JSON.parse(space))).toEqual([
      "id",
      "lat",
      "lng",
      "state",
      "nextFreeAt",
      "hourly",
      "currency",
    ]);
  });
});

describe("cell keys", () => {
  it("tags every key and channel of a cell and its aggregate with the shard cell", () => {
    const keys = cellKeys(cell, resolutions);
    const tag = `{live:${cellToParent(cell, 4)}}`;
    for (const key of [
      keys.meta,
      keys.spaces,
      keys.history,
      keys.missed,
      keys.channel,
      keys.aggregate.counts,
    ]) {
      expect(key.startsWith(`${tag}:`)).toBe(true);
    }
    expect(parseLiveChannel(keys.channel)).toEqual({ kind: "cell", cell });
    expect(parseLiveChannel(keys.aggregate.channel)).toEqual({
      kind: "aggregate",
      cell: cellToParent(cell, 7),
    });
    expect(() => cellKeys(cellToParent(cell, 8), resolutions)).toThrow(/map resolution/);
  });
});

describe("viewport planning", () => {
  const viewport = { north: 40.42, south: 40.41, east: -3.69, west: -3.71 };
  const options = { spacesMinZoom: 15, maxCells: 400 };

  it("covers the viewport with map cells zoomed in and aggregate cells zoomed out", () => {
    const near = planViewport(viewport, 16, resolutions, options);
    expect(near.ok && near.plan.mode).toBe("spaces");
    expect(near.ok && near.plan.cells).toContain(latLngToCell(40.415, -3.7, 9));
    const far = planViewport(viewport, 12, resolutions, options);
    expect(far.ok && far.plan).toMatchObject({ mode: "aggregate", resolution: 7 });
  });

  it("refuses a viewport that needs too many cells and splits one across the antimeridian", () => {
    expect(planViewport({ north: 50, south: 30, east: 10, west: -10 }, 16, resolutions, options).ok).toBe(
      false,
    );
    const dateline = planViewport(
      { north: -16.5, south: -16.52, east: -179.99, west: 179.99 },
      16,
      resolutions,
      options,
    );
    expect(dateline.ok).toBe(true);
    const cells = dateline.ok ? dateline.plan.cells : [];
    expect(cells.length).toBeLessThan(100);
    expect(cells).toContain(latLngToCell(-16.51, 179.995, 9));
    expect(cells).toContain(latLngToCell(-16.51, -179.995, 9));
  });
});

describe("token bucket", () => {
  it("allows a burst, then the refill rate", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });
});

describe("gap-free delivery", () => {
  function watcher() {
    const sent: string[] = [];
    const resyncs: string[] = [];
    const w: Watcher = {
      send: (f) => sent.push(f.text),
      resync: (c) => resyncs.push(c),
      resyncAggregate: () => {},
      hostMessage: () => {},
      revoke: () => {},
      recheckIdentity: () => {},
    };
    return { w, sent, resyncs };
  }
  const delta = (epoch: string, offset: number) => ({
    epoch,
    offset,
    frame: new Frame(`${epoch}:${offset}`),
  });

  it("sends the next offset, skips what the watcher has, re-reads on a jump or another epoch", () => {
    const { w, sent, resyncs } = watcher();
    const watch: CellWatch = { epoch: "e", offset: 5, queue: null, stale: false };
    applyDelta(w, cell, watch, delta("e", 5));
    applyDelta(w, cell, watch, delta("e", 6));
    applyDelta(w, cell, watch, delta("e", 8));
    applyDelta(w, cell, watch, delta("f", 1));
    expect(sent).toEqual(["e:6"]);
    expect(resyncs).toEqual([cell, cell]);
  });

  it("queues while the watcher reads the cell", () => {
    const { w, sent } = watcher();
    const watch: CellWatch = { epoch: null, offset: 0, queue: [], stale: false };
    applyDelta(w, cell, watch, delta("e", 1));
    expect(sent).toEqual([]);
    expect(watch.queue).toHaveLength(1);
  });
});
