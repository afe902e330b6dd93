// A tiny map tile server for browser tests: answers `/{z}/{x}/{y}.png` with a real 256×256 PNG (a
// light grid, so screenshots show it), or with 500s when told to fail; it records every tile request
// (coordinates and Referer) and can be stopped to play a server that is down.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, deflateSync } from "node:zlib";

export interface TileRequest {
  z: number;
  x: number;
  y: number;
  referer: string | undefined;
}

/** A 256×256 RGB PNG: pale background, darker lines every 32 px. */
function gridTile(): Buffer {
  const size = 256;
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3); // each row starts with its filter byte (0: none)
    for (let x = 0; x < size; x++) {
      const shade = x % 32 === 0 || y % 32 === 0 ? 200 : 236;
      rows.fill(shade, row + 1 + x * 3, row + 4 + x * 3);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export interface TileServer {
  /** `http://127.0.0.1:<port>`: the tiles' origin. */
  origin: string;
  /** The template to give MAP_TILE_URL. */
  template: string;
  requests: TileRequest[];
  /** "ok": PNG tiles; "error": every tile answers 500. */
  mode: "ok" | "error";
  stop(): Promise<void>;
}

export async function startTileServer(): Promise<TileServer> {
  const png = gridTile();
  const server = createServer((req, res) => {
    const match = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(req.url ?? "");
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    tiles.requests.push({
      z: Number(match[1]),
      x: Number(match[2]),
      y: Number(match[3]),
      referer: req.headers.referer,
    });
    if (tiles.mode === "error") {
      res.writeHead(500, { "content-type": "text/plain" }).end("tile rendering failed");
      return;
    }
    res.writeHead(200, { "content-type": "image/png", "content-length": png.length }).end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tiles: TileServer = {
    origin,
    template: `${origin}/{z}/{x}/{y}.png`,
    requests: [],
    mode: "ok",
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return tiles;
}

/** The tile at zoom `z` that holds the point (Web Mercator, as Leaflet and OpenStreetMap number them). */
export function tileOf(lat: number, lng: number, z: number) {
  const n = 2 ** z;
  const phi = (lat * Math.PI) / 180;
  return {
    z,
    x: Math.floor(((lng + 180) / 360) * n),
    y: Math.floor(((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * n),
  };
}
