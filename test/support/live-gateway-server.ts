// An in-process live gateway on its own HTTP server on a free loopback port, for integration tests
// that talk to it with real clients (test/support/live-clients.ts).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { attachLiveGateway, type LiveGatewayDeps } from "../../gateway/live/index.ts";
import { AccessTokens } from "../../src/auth/access-tokens.ts";
import { createLogger } from "../../src/logger.ts";
import { createMetrics } from "../../src/metrics.ts";

export interface TestLiveGateway {
  url: string;
  gateway: ReturnType<typeof attachLiveGateway>;
  close(): Promise<void>;
}

/** Logger, metrics and access tokens default to fresh ones made from `deps.config`. */
export async function listenLiveGateway(
  deps: Omit<LiveGatewayDeps, "logger" | "metrics" | "accessTokens"> & Partial<LiveGatewayDeps>,
): Promise<TestLiveGateway> {
  const server = createServer();
  const gateway = attachLiveGateway(server, {
    logger: createLogger(deps.config, "test"),
    metrics: createMetrics("test"),
    accessTokens: new AccessTokens(deps.config.JWT_SECRET, 600),
    ...deps,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gateway,
    async close() {
      await gateway.close();
      server.close();
    },
  };
}
