// Writes the OpenAPI document the gateway serves at /openapi.json to contract/generated/openapi.json,
// for `redocly lint` and the generated client. It builds the real app and asks it for the document;
// nothing connects to Redis or PostgreSQL.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../gateway/http/app.ts";
import { createDeps } from "../gateway/http/deps.ts";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "contract", "generated", "openapi.json");

const config = loadConfig({ ...process.env, NODE_ENV: "test", LOG_LEVEL: "silent" });
const deps = createDeps(config, createLogger(config, "openapi"));
deps.redis.disconnect();
try {
  const response = await createApp(deps).request("/openapi.json");
  if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
  const document = await response.json();
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${target}`);
} finally {
  await deps.close();
}
