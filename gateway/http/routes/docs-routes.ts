// /docs: Swagger UI over /openapi.json, its assets served from the swagger-ui-dist package so the
// page works without internet access. No inline script: the page runs under a CSP that allows only
// this gateway's own scripts (middleware/security-headers.ts).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Hono } from "hono";

const assetsDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const assets: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
};

const START_SCRIPT = "swagger-ui-start.js";
const startScript = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui" });\n`;

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parkealo live API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/${START_SCRIPT}"></script></body></html>`;

export function docsRoutes() {
  return new Hono()
    .get("/docs", (c) => c.html(page))
    .get("/docs/assets/:file", async (c) => {
      const file = c.req.param("file");
      if (file === START_SCRIPT) {
        c.header("Content-Type", "application/javascript; charset=utf-8");
        return c.body(startScript);
      }
      const type = assets[file];
      if (!type) return c.notFound();
      c.header("Content-Type", type);
      c.header("Cache-Control", "public, max-age=86400");
      return c.body(await readFile(join(assetsDir, file)));
    });
}
