// The live map page at `/`: Leaflet (served from the leaflet package, so it works offline) over the
// configured street map tiles (MAP_TILE_URL, handed to the page in data-tile-* attributes: no inline
// script), H3 cells drawn with h3-js, markers coloured by state; a signed-in driver books a space by
// clicking its marker (outside production a button signs in the demo driver), pays a booking that
// waits for payment with a test card picked from a list (no card numbers), and hosts see approval
// prompts. It speaks the live protocol over the raw WebSocket at /ws and books through the REST API.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { DEMO_DOMAIN, DEMO_PASSWORD } from "../../devstack/demo-data.ts";

const require = createRequire(import.meta.url);
const leafletDir = join(dirname(require.resolve("leaflet/package.json")), "dist");
const h3Dir = join(dirname(require.resolve("h3-js/package.json")), "dist");
const here = dirname(fileURLToPath(import.meta.url));

const files: Record<string, { path: string; type: string }> = {
  "leaflet.js": { path: join(leafletDir, "leaflet.js"), type: "application/javascript; charset=utf-8" },
  "leaflet.css": { path: join(leafletDir, "leaflet.css"), type: "text/css; charset=utf-8" },
  "h3-js.umd.js": { path: join(h3Dir, "h3-js.umd.js"), type: "application/javascript; charset=utf-8" },
  "map-app.js": { path: join(here, "map-app.js"), type: "application/javascript; charset=utf-8" },
  "street-map.js": { path: join(here, "street-map.js"), type: "application/javascript; charset=utf-8" },
  "booking-window.js": {
    path: join(here, "booking-window.js"),
    type: "application/javascript; charset=utf-8",
  },
  "map.css": { path: join(here, "map.css"), type: "text/css; charset=utf-8" },
};

/** The demo driver `npm start` seeds: the page signs in as it in one click (not in production). */
export const DEMO_DRIVER = { email: `driver1@${DEMO_DOMAIN}`, password: DEMO_PASSWORD };

const demoButton = `<button type="button" id="demo-driver" data-email="${DEMO_DRIVER.email}"
      data-password="${DEMO_DRIVER.password}">Sign in as the demo driver</button>`;

// Stripe's test payment methods (test keys only): the driver picks one, never types a card number.
const paySection = `<section id="pay" hidden>
    <h2>Pay the booking</h2>
    <p id="pay-what"></p>
    <p class="hint">Test mode: no card numbers here. Pick one of Stripe's test payment methods; no money moves.</p>
    <form id="pay-form"><label for="pay-card">Card</label>
      <select id="pay-card" name="paymentMethodId">
        <option value="pm_card_visa">Visa (succeeds)</option>
        <option value="pm_card_chargeDeclined">declined card</option>
      </select><button id="pay-button">Pay</button></form>
    <p id="pay-outcome"></p>
  </section>`;

/** The street map under the cells: a tile URL template (null: none), its attribution, its top zoom. */
export interface MapTiles {
  url: string | null;
  attribution: string;
  maxZoom: number;
}

const escapeAttribute = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const tileAttributes = (tiles: MapTiles) =>
  tiles.url === null
    ? ""
    : ` data-tile-url="${escapeAttribute(tiles.url)}" data-tile-attribution="${escapeAttribute(
        tiles.attribution,
      )}" data-tile-max-zoom="${tiles.maxZoom}"`;

const page = (demoDriver: boolean, testCards: boolean, tiles: MapTiles) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parkealo live map</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/map/assets/leaflet.css"><link rel="stylesheet" href="/map/assets/map.css"></head>
<body>
<div id="map"${tileAttributes(tiles)}></div>
<p id="tile-note" hidden>Street map unavailable (its tiles did not load): cells and markers only.</p>
<aside id="panel">
  <h1>Parkealo live <small id="connection">connecting…</small></h1>
  <p id="status">click a marker to book it</p>
  <ul class="legend">
    <li><span class="dot available"></span>available</li><li><span class="dot held"></span>held</li>
    <li><span class="dot occupied"></span>occupied</li><li><span class="dot closed"></span>closed</li>
  </ul>
  <section id="account">
    <h2>Sign in</h2>
    <p class="hint">Drivers: click a marker to book its next free hour. Hosts: approval prompts appear below.</p>
    <form id="login"><input name="email" type="email" placeholder="email" required>
      <input name="password" type="password" placeholder="password" required><button>Log in</button></form>
    ${demoDriver ? demoButton : ""}
    <p id="who"></p>
  </section>
  ${testCards ? paySection : ""}
  <section id="host">
    <h2>Approval prompts</h2>
    <ol id="prompts"></ol>
  </section>
</aside>
<script src="/map/assets/leaflet.js"></script>
<script src="/map/assets/h3-js.umd.js"></script>
<script type="module" src="/map/assets/map-app.js"></script>
</body></html>`;

/**
 * `demoDriver`: the one-click demo sign-in (not in production); `testCards`: bookings wait for payment
 * and Stripe takes its test payment methods (payments on with an `sk_test_…` key), so the page pays.
 */
export function mapRoutes(options: { demoDriver: boolean; testCards: boolean; tiles: MapTiles }) {
  const html = page(options.demoDriver, options.testCards, options.tiles);
  return new Hono()
    .get("/", (c) => c.html(html))
    .get("/map/assets/:file", async (c) => {
      const file = files[c.req.param("file")];
      if (!file) return c.notFound();
      c.header("Content-Type", file.type);
      c.header("Cache-Control", "public, max-age=300");
      return c.body(await readFile(file.path));
    });
}
