// The live map page at `/`: Leaflet (served from the leaflet package, so it works offline), H3 cells
// drawn with h3-js, markers coloured by state, a host panel with approval prompts. It speaks the live
// protocol over the raw WebSocket at /ws.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";

const require = createRequire(import.meta.url);
const leafletDir = join(dirname(require.resolve("leaflet/package.json")), "dist");
const h3Dir = join(dirname(require.resolve("h3-js/package.json")), "dist");
const here = dirname(fileURLToPath(import.meta.url));

const files: Record<string, { path: string; type: string }> = {
  "leaflet.js": { path: join(leafletDir, "leaflet.js"), type: "application/javascript; charset=utf-8" },
  "leaflet.css": { path: join(leafletDir, "leaflet.css"), type: "text/css; charset=utf-8" },
  "h3-js.umd.js": { path: join(h3Dir, "h3-js.umd.js"), type: "application/javascript; charset=utf-8" },
  "map-app.js": { path: join(here, "map-app.js"), type: "application/javascript; charset=utf-8" },
  "map.css": { path: join(here, "map.css"), type: "text/css; charset=utf-8" },
};

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parkealo live map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/map/assets/leaflet.css"><link rel="stylesheet" href="/map/assets/map.css"></head>
<body>
<div id="map"></div>
<aside id="panel">
  <h1>Parkealo live</h1>
  <p id="status">connecting…</p>
  <ul class="legend">
    <li><span class="dot available"></span>available</li><li><span class="dot held"></span>held</li>
    <li><span class="dot occupied"></span>occupied</li><li><span class="dot closed"></span>closed</li>
  </ul>
  <section id="host">
    <h2>Host</h2>
    <form id="login"><input name="email" type="email" placeholder="host email" required>
      <input name="password" type="password" placeholder="password" required><button>Log in</button></form>
    <p id="who"></p>
    <ol id="prompts"></ol>
  </section>
</aside>
<script src="/map/assets/leaflet.js"></script>
<script src="/map/assets/h3-js.umd.js"></script>
<script src="/map/assets/map-app.js"></script>
</body></html>`;

export function mapRoutes() {
  return new Hono()
    .get("/", (c) => c.html(page))
    .get("/map/assets/:file", async (c) => {
      const file = files[c.req.param("file")];
      if (!file) return c.notFound();
      c.header("Content-Type", file.type);
      c.header("Cache-Control", "public, max-age=300");
      return c.body(await readFile(file.path));
    });
}
