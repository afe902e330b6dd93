import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics, type Metrics } from "../../src/metrics.ts";
import { createPool } from "../../src/storage/postgres.ts";
import { connectLive, type LiveTestClient, type TransportName } from "../support/live-clients.ts";
import { listenLiveGateway, type TestLiveGateway } from "../support/live-gateway-server.ts";
import { testConfig } from "../support/test-app.ts";

const config = testConfig({
  LIVE_ALLOWED_ORIGINS: "*",
  TRUST_PROXY: "false",
  LIVE_MAX_CONNECTIONS: "3",
  LIVE_MAX_CONNECTIONS_PER_ADDRESS: "2",
});
const pool = createPool(config.DATABASE_URL, 2);
const redis = new Redis(config.REDIS_URL);
const metrics: Metrics = createMetrics("test");

let url = "";
let live: TestLiveGateway;
const clients: LiveTestClient[] = [];

beforeAll(async () => {
  live = await listenLiveGateway({ config, pool, redis, metrics });
  url = live.url;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await live.close();
  redis.disconnect();
  await pool.end();
});

/** A counter's value from the gateway's metrics registry (0 when it has no such series). */
async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const series = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return series?.value ?? 0;
}

async function connect(transport: TransportName, localAddress: string) {
  const client = await connectLive(transport, url, { localAddress });
  clients.push(client);
  return client;
}

/** The client works: it is answered. */
async function answers(client: LiveTestClient) {
  client.send({ type: "unsubscribe", ref: "ping" });
  await client.next((m) => m.type === "unsubscribed" && m.ref === "ping");
}

/** A connection attempt the caps refuse, with the reason the transport carries. */
async function refused(transport: TransportName, localAddress: string): Promise<string> {
  if (transport === "ws") {
    const client = await connect(transport, localAddress);
    const { code, reason } = await client.closed;
    return `${code} ${reason}`;
  }
  const error: Error = await connect(transport, localAddress).then(
    () => new Error("connected"),
    (e: Error) => e,
  );
  return error.message;
}

const expected = {
  ws: { perAddress: "1008 too_many_connections", total: "1013 server_busy" },
  "socket.io": {
    perAddress: expect.stringMatching(/^refused: too_many_connections .*"code":"too_many_connections"/),
    total: expect.stringMatching(/^refused: server_busy .*"code":"server_busy"/),
  },
};

describe.each<TransportName>(["ws", "socket.io"])("live connection caps over %s", (transport) => {
  const other: TransportName = transport === "ws" ? "socket.io" : "ws";

  it("refuses an address over its cap and a full gateway with their codes, and frees slots on close", async () => {
    const perAddressBefore = await metricValue("live_connections_refused_total", {
      transport,
      reason: "too_many_connections",
    });
    const totalBefore = await metricValue("live_connections_refused_total", {
      transport,
      reason: "server_busy",
    });
    // Two from one address, over both transports: the cap counts them together.
    const first = await connect(transport, "127.0.0.11");
    const second = await connect(other, "127.0.0.11");
    await Promise.all([answers(first), answers(second)]);
    expect(await refused(transport, "127.0.0.11")).toEqual(expected[transport].perAddress);

    const third = await connect(transport, "127.0.0.12");
    await answers(third);
    expect(await refused(transport, "127.0.0.13")).toEqual(expected[transport].total);
    expect(await metricValue("live_connections_refused_total", { transport, reason: "server_busy" })).toBe(
      totalBefore + 1,
    );
    expect(
      await metricValue("live_connections_refused_total", { transport, reason: "too_many_connections" }),
    ).toBe(perAddressBefore + 1);

    // A closed connection gives its slot back (once the gateway has seen it close).
    first.close();
    let fourth: LiveTestClient | undefined;
    await expect
      .poll(
        async () => {
          const client = await connect(transport, "127.0.0.13").catch(() => undefined);
          if (client && transport === "ws") {
            const closedAtOnce = await Promise.race([
              client.closed.then(() => true),
              new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
            ]);
            if (closedAtOnce) return false;
          }
          fourth = client;
          return client !== undefined;
        },
        { timeout: 5000, interval: 100 },
      )
      .toBe(true);
    await answers(fourth!);
    for (const c of [second, third, fourth!]) c.close();
    // Everything given back: a new address gets in again.
    await expect
      .poll(() => live.gateway.service.connections.stats(), { timeout: 5000, interval: 50 })
      .toEqual({ total: 0, addresses: 0 });
  });
});

describe("live connection caps behind trusted proxies", () => {
  // One proxy in front (TRUST_PROXY=1): the right-most X-Forwarded-For entry is the client; what the
  // client wrote to its left changes nothing.
  const proxied = testConfig({
    LIVE_ALLOWED_ORIGINS: "*",
    TRUST_PROXY: "1",
    LIVE_MAX_CONNECTIONS: "10",
    LIVE_MAX_CONNECTIONS_PER_ADDRESS: "2",
  });
  let proxiedGateway: TestLiveGateway;

  beforeAll(async () => {
    proxiedGateway = await listenLiveGateway({ config: proxied, pool, redis });
  });

  afterAll(async () => {
    await proxiedGateway.close();
  });

  async function viaProxy(transport: TransportName, forwardedFor: string) {
    const client = await connectLive(transport, proxiedGateway.url, {
      headers: { "x-forwarded-for": forwardedFor },
    });
    clients.push(client);
    return client;
  }

  it.each<TransportName>(["ws", "socket.io"])(
    "counts a client over %s by the hop TRUST_PROXY names, whatever it forged to its left",
    async (transport) => {
      const first = await viaProxy(transport, "198.51.100.1, 203.0.113.7");
      const second = await viaProxy(transport, "198.51.100.2, 203.0.113.7");
      await Promise.all([answers(first), answers(second)]);
      // A third from the same client, with yet another forged entry: over its address's cap.
      const third = await viaProxy(transport, "198.51.100.3, 203.0.113.7").then(
        // ws: opened, then closed with the reason (or answered, when let in).
        (client) =>
          transport === "ws"
            ? Promise.race([client.closed.then((c) => c.reason), answers(client).then(() => "connected")])
            : "connected",
        (e: Error) => e.message,
      );
      expect(third).toMatch(/too_many_connections/);
      // Another client behind the same proxy (same socket peer) gets in.
      const other = await viaProxy(transport, "198.51.100.3, 203.0.113.8");
      await answers(other);
      for (const c of [first, second, other]) c.close();
      await expect
        .poll(() => proxiedGateway.gateway.service.connections.stats(), { timeout: 5000, interval: 50 })
        .toEqual({ total: 0, addresses: 0 });
    },
  );
});
