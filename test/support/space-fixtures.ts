// Listings for tests: a valid POST /spaces body to vary, a host with a space, multipart uploads and
// direct SQL helpers (row counts, bookings written straight into the ledger).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { createTestApp } from "./test-app.ts";

type TestApp = ReturnType<typeof createTestApp>;

export function objectStorageDir(): string {
  return mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "objects-"));
}

export function validSpaceBody(overrides: Record<string, unknown> = {}) {
  return {
    title: "Garage near Sol",
    description: "Wide entrance, level -1",
    address: {
      line1: "Calle Mayor, 10",
      line2: "Gate code 4321",
      city: "Madrid",
      state: "Comunidad de Madrid",
      postalCode: "28013",
      country: "ES",
    },
    location: { lat: 40.4169, lng: -3.7035 },
    timezone: "Europe/Madrid",
    spaceType: "garage",
    spaceSize: "standard",
    bookingMode: "instant",
    pricing: { currency: "EUR", hourly: 250, daily: 1800, monthly: 25000 },
    schedule: [
      { dayOfWeek: 1, start: "08:00", end: "20:00" },
      { dayOfWeek: 5, start: "22:00", end: "06:00" },
      { dayOfWeek: 6, start: "06:00", end: "06:00" },
    ],
    bufferMinutes: 15,
    minNoticeMinutes: 30,
    amenities: ["covered", "lit"],
    ...overrides,
  };
}

export async function hostWithSpace(t: TestApp, overrides: Record<string, unknown> = {}) {
  const host = await t.signUp("host");
  const res = await host.client.post("/api/v1/spaces", validSpaceBody(overrides));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { host, space: res.body, spaceId: res.body.id as string };
}

/** A logged-in admin: a fresh account given the admin role in SQL, then logged in again. */
export async function signUpAdmin(t: TestApp) {
  const account = await t.signUp("driver");
  await t.deps.pool.query(`insert into user_roles (user_id, role) values ($1, 'admin')`, [account.userId]);
  const login = await t
    .client()
    .post("/api/v1/auth/login", { email: account.email, password: account.password });
  account.client.setToken(login.body.accessToken);
  return { ...account, token: login.body.accessToken as string };
}

export async function countRows(t: TestApp, sql: string, params: unknown[]): Promise<number> {
  const { rows } = await t.deps.pool.query<{ n: number }>(
    `select count(*)::int as n from (${sql}) x`,
    params,
  );
  return rows[0]!.n;
}

/** Everything a host's listings are made of, to check that a refused request wrote nothing. */
export async function hostFootprint(t: TestApp, hostId: string) {
  const spaces = `select id from parking_spaces where host_id = $1`;
  return {
    spaces: await countRows(t, spaces, [hostId]),
    hours: await countRows(t, `select 1 from space_availability where space_id in (${spaces})`, [hostId]),
    amenities: await countRows(t, `select 1 from space_amenities where space_id in (${spaces})`, [hostId]),
    images: await countRows(t, `select 1 from space_images where space_id in (${spaces})`, [hostId]),
    updated: (
      await t.deps.pool.query(
        `select coalesce(max(updated_at)::text, '') as u from parking_spaces where host_id = $1`,
        [hostId],
      )
    ).rows[0].u as string,
  };
}

export async function insertBooking(
  t: TestApp,
  spaceId: string,
  driverId: string,
  options: { status: string; startsInHours: number; hours: number },
): Promise<string> {
  const { rows } = await t.deps.pool.query<{ id: string }>(
    `insert into bookings (space_id, driver_id, status, during, currency, total_amount, platform_fee, host_earnings)
     values ($1, $2, $3, tstzrange(now() + make_interval(hours => $4), now() + make_interval(hours => $4 + $5)),
       'EUR', 500, 50, 450)
     returning id`,
    [spaceId, driverId, options.status, options.startsInHours, options.hours],
  );
  return rows[0]!.id;
}

/** Sends a multipart upload with the client's token (the JSON test client cannot). */
export async function uploadFile(
  t: TestApp,
  token: string | undefined,
  path: string,
  file: { bytes: Uint8Array; type: string; name?: string; field?: string },
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  form.append(file.field ?? "file", new Blob([file.bytes], { type: file.type }), file.name ?? "photo");
  const response = await t.app.request(path, {
    method: "POST",
    body: form,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body, headers: response.headers };
}

/** A tiny valid-looking PNG (signature + IHDR) padded to `size` bytes. */
export function pngBytes(size = 256): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  for (let i = 16; i < size; i++) bytes[i] = (i * 31) & 0xff;
  return bytes;
}

export function jpegBytes(size = 256): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);
  bytes[size - 2] = 0xff;
  bytes[size - 1] = 0xd9;
  return bytes;
}

export function webpBytes(size = 256): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x20]);
  return bytes;
}
