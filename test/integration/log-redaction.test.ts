// Tokens stay out of the logs: the logger redacts `access_token` query values, bearer tokens and
// Authorization headers wherever a line holds them, and the real app and live gateway, logging at
// debug into a stream, write no token of the requests and upgrades they were sent.
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { serve } from "@hono/node-server";
import { io as ioClient } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createApp } from "../../gateway/http/app.ts";
import { createDeps } from "../../gateway/http/deps.ts";
import { attachLiveGateway } from "../../gateway/live/index.ts";
import { createLogger } from "../../src/logger.ts";
import { insertDriver } from "../support/live-bookings.ts";
import { testConfig } from "../support/test-app.ts";

function capturedLogger(component: string) {
  const config = testConfig({ LOG_LEVEL: "debug", LIVE_ALLOWED_ORIGINS: "*" });
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { config, logger: createLogger(config, component, stream), output: () => text };
}

const secret = (label: string) => `${label}-${randomBytes(12).toString("hex")}`;

describe("the logger", () => {
  it("redacts access_token query values, bearer tokens and Authorization headers in any field", async () => {
    const { logger, output } = capturedLogger("redaction");
    const [inUrl, inHeader, inMessage, inError, inField] = [
      secret("url"),
      secret("header"),
      secret("message"),
      secret("error"),
      secret("field"),
    ];
    logger.info(
      {
        req: {
          url: `/ws?zoom=3&access_token=${inUrl}&x=1`,
          headers: { authorization: `Bearer ${inHeader}` },
        },
      },
      "upgrade",
    );
    logger.warn(`refused: Authorization: Bearer ${inMessage}`);
    logger.error({ err: new Error(`GET /ws?access_token=${inError} failed`) }, "failed");
    logger.info({ query: { access_token: inField } }, "query");
    await new Promise((resolve) => setImmediate(resolve));

    const text = output();
    for (const token of [inUrl, inHeader, inMessage, inError, inField]) expect(text).not.toContain(token);
    expect(text).toContain("/ws?zoom=3&access_token=[redacted]&x=1");
    expect(text).toContain('"authorization":"[redacted]"');
    expect(text).toContain("Bearer [redacted]");
    expect(text.trim().split("\n")).toHaveLength(4);
  });
});

describe("the gateway's request and upgrade logs", () => {
  const { config, logger, output } = capturedLogger("gateway");
  const deps = createDeps(config, logger);
  let server: Server;
  let live: ReturnType<typeof attachLiveGateway>;
  let base = "";

  beforeAll(async () => {
    server = serve({ fetch: createApp(deps).fetch, hostname: "127.0.0.1", port: 0 }) as Server;
    live = attachLiveGateway(server, deps);
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await live.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await deps.close();
  });

  function upgrade(query: string, headers: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/ws?${query}`, { headers });
      ws.once("open", () => {
        ws.close();
        resolve("open");
      });
      ws.once("unexpected-response", (_req, res) => {
        ws.terminate();
        resolve(String(res.statusCode));
      });
      ws.once("error", () => resolve("error"));
    });
  }

  function socketIo(accessToken: string): Promise<string> {
    return new Promise((resolve) => {
      const socket = ioClient(`${base}/live`, {
        transports: ["websocket"],
        query: { access_token: accessToken },
        reconnection: false,
        forceNew: true,
      });
      socket.once("connect", () => {
        socket.close();
        resolve("connected");
      });
      socket.once("connect_error", () => {
        socket.close();
        resolve("refused");
      });
    });
  }

  it("holds no token of the requests and upgrades it was sent", async () => {
    const driver = await insertDriver(deps.pool, deps.accessTokens);
    const [forged, otherPath, forgedIo] = [secret("forged"), secret("path"), secret("io")];
    const auth = { authorization: `Bearer ${driver.token}` };

    const me = await fetch(`${base}/api/v1/users/profile?access_token=${driver.token}`, { headers: auth });
    expect(me.status).toBe(200);
    const missing = await fetch(`${base}/api/v1/no-such-route?access_token=${forged}`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(missing.status).toBe(404);
    expect(await upgrade(`access_token=${driver.token}`)).toBe("open");
    expect(await upgrade(`access_token=${forged}`)).toBe("401");
    expect(await upgrade(`zoom=3&access_token=${forged}`, { authorization: `Bearer ${forged}` })).toBe("401");
    expect(
      await new Promise<string>((resolve) => {
        const ws = new WebSocket(`${base.replace("http", "ws")}/elsewhere?access_token=${otherPath}`);
        ws.once("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
        ws.once("error", () => resolve("error"));
      }),
    ).toBe("404");
    expect(await socketIo(forgedIo)).toBe("refused");
    await new Promise((resolve) => setTimeout(resolve, 100));

    const text = output();
    // What was logged: the request lines and every refused upgrade, with the tokens redacted.
    expect(text).toContain('"msg":"request"');
    expect(text.match(/"msg":"live: upgrade refused"/g)).toHaveLength(4);
    expect(text).toContain("access_token=[redacted]");
    for (const token of [driver.token, forged, otherPath, forgedIo]) expect(text).not.toContain(token);
  });
});
