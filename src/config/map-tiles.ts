// The street map under the live map page: a tile server's URL template (`MAP_TILE_URL`, Leaflet's
// `{z}/{x}/{y}` placeholders, http(s) only, or `none` for no street map) and its attribution. The
// template's origin is fixed (no `{s}` subdomains): the page's CSP allows images from that one origin.
import { z } from "zod";

export const OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
export const OSM_TILE_ATTRIBUTION =
  '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
/** OpenStreetMap's standard tiles go up to zoom 19. */
export const OSM_TILE_MAX_ZOOM = 19;

/** The value that turns the street map off. */
export const NO_TILES = "none";

const PLACEHOLDERS = new Set(["{z}", "{x}", "{y}", "{-y}", "{r}"]);

/** Why `template` is not a usable tile URL template, or undefined when it is. */
export function tileTemplateProblem(template: string): string | undefined {
  const example = `an http(s) URL template such as ${OSM_TILE_URL}, or ${NO_TILES}`;
  const parts = /^https?:\/\/([^/?#{}\s]+)(\/\S*)$/.exec(template);
  if (!parts) return `must be ${example} (fixed host, no {s} subdomains, no spaces)`;
  let url: URL;
  try {
    url = new URL(template);
  } catch {
    return `must be ${example}`;
  }
  if (url.username || url.password) return "must not carry a user name or password";
  const used: string[] = template.match(/\{[^}]*\}/g) ?? [];
  const unknown = used.filter((p) => !PLACEHOLDERS.has(p));
  if (unknown.length) return `has placeholders the map cannot fill: ${unknown.join(", ")}`;
  if (!used.includes("{z}") || !used.includes("{x}") || !(used.includes("{y}") || used.includes("{-y}")))
    return "must contain {z}, {x} and {y}";
  return undefined;
}

/** `MAP_TILE_URL`: the template, or null for no street map. */
export const mapTileUrl = z
  .string()
  .superRefine((value, ctx) => {
    const problem = value === NO_TILES ? undefined : tileTemplateProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .transform((value) => (value === NO_TILES ? null : value));

/** The origin the page loads tiles from (for its CSP's img-src), or null with no street map. */
export function tileOrigin(template: string | null): string | null {
  return template === null ? null : new URL(template).origin;
}

/** An https page cannot show http tiles (mixed content): the reason, or undefined. */
export function mixedContentProblem(template: string | null, publicUrl: string): string | undefined {
  if (template === null || !template.startsWith("http:") || !publicUrl.startsWith("https:")) return;
  return "must be https:// when PUBLIC_URL is https (browsers block http images on an https page)";
}
