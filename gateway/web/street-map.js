// The street map under the live cells: a Leaflet tile layer from the server's settings (the #map
// element's data-tile-* attributes; with MAP_TILE_URL=none there are none and the background stays
// blank). When every tile of a view fails (the tile server answers errors or is down), the layer is
// taken away: the blank background stays, a note in the corner says so, cells and markers go on.
/* global L */

/**
 * Adds the tile layer `element.dataset` describes to `map`; `note` is shown on a fallback. Returns the
 * layer's state, kept current: status "off" | "loading" | "shown" | "failed", tiles loaded and failed.
 */
export function addStreetMap(map, element, note) {
  const { tileUrl, tileAttribution, tileMaxZoom } = element.dataset;
  const state = { status: "off", loaded: 0, failed: 0 };
  if (!tileUrl) return state;
  state.status = "loading";
  const layer = L.tileLayer(tileUrl, {
    attribution: tileAttribution,
    maxZoom: Number(tileMaxZoom),
    // The page sends no Referer (Referrer-Policy: no-referrer), but tile servers such as
    // OpenStreetMap's require one: the tiles send the page's origin, never its address.
    referrerPolicy: "strict-origin",
  });
  // A round runs from "loading" (tiles of a new view requested) to "load" (all of them settled).
  let round = { loaded: 0, failed: 0 };
  layer.on("loading", () => {
    round = { loaded: 0, failed: 0 };
  });
  layer.on("tileload", () => {
    round.loaded += 1;
    state.loaded += 1;
    state.status = "shown";
  });
  layer.on("tileerror", () => {
    round.failed += 1;
    state.failed += 1;
  });
  layer.on("load", () => {
    if (round.failed === 0 || round.loaded > 0) return;
    // Not one tile of the view: stop asking the tile server (until the page is loaded again). Once
    // Leaflet has finished this event: it reads the layer's map after firing it.
    setTimeout(() => {
      layer.remove();
      state.status = "failed";
      note.hidden = false;
    }, 0);
  });
  layer.addTo(map);
  return state;
}
