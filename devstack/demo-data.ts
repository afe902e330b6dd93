// Demo data for `npm start`: Madrid, 2,400 parking spaces over many H3 cells, plus 120 in Las Palmas
// de Gran Canaria (another time zone, Atlantic/Canary), with realistic schedules and prices, and demo
// hosts, drivers and an admin who share one printed password. Every listing is written as a
// POST /spaces body, validated by the API's schema and stored by the API's own mapping (same cells, same
// weekly-hours encoding). Deterministic (seeded PRNG) and idempotent: a second run finds the demo admin
// and does nothing.
import type { z } from "@hono/zod-openapi";
import { listingFromCreate } from "../gateway/http/space-input.ts";
import { SpaceCreate } from "../gateway/http/space-schemas.ts";
import { hashPassword } from "../src/auth/passwords.ts";
import type { Amenity } from "../src/domain/space-listing.ts";
import { type Pool, withTransaction } from "../src/storage/postgres.ts";
import { findUserByEmail, insertUser, markEmailVerified } from "../src/storage/users-repository.ts";
import { seededRandom } from "./seeded-random.ts";

export const DEMO_PASSWORD = "parkealo-demo";
export const DEMO_DOMAIN = "demo.parkealo.live";
const HOSTS = 20;
const DRIVERS = 5;
const SPACES = 2400;
const CANARY_SPACES = 120;

const prng = seededRandom;

// Neighbourhood centres of Madrid with a spread (km) and a weight (share of spaces).
const neighbourhoods = [
  { name: "Sol", lat: 40.4169, lng: -3.7035, km: 0.8, weight: 3, postal: "28013" },
  { name: "Salamanca", lat: 40.4297, lng: -3.6794, km: 1.2, weight: 4, postal: "28001" },
  { name: "Chamberí", lat: 40.4362, lng: -3.7038, km: 1.1, weight: 4, postal: "28010" },
  { name: "Retiro", lat: 40.4113, lng: -3.6765, km: 1.2, weight: 3, postal: "28009" },
  { name: "Malasaña", lat: 40.4262, lng: -3.7045, km: 0.6, weight: 2, postal: "28004" },
  { name: "Chamartín", lat: 40.4588, lng: -3.6766, km: 1.5, weight: 3, postal: "28036" },
  { name: "Arganzuela", lat: 40.3983, lng: -3.6963, km: 1.3, weight: 3, postal: "28045" },
  { name: "Moncloa", lat: 40.4351, lng: -3.7195, km: 1.3, weight: 2, postal: "28008" },
  { name: "Tetuán", lat: 40.4605, lng: -3.6998, km: 1.2, weight: 2, postal: "28020" },
  { name: "Usera", lat: 40.3838, lng: -3.7066, km: 1.2, weight: 2, postal: "28026" },
  { name: "Puente de Vallecas", lat: 40.3907, lng: -3.6696, km: 1.4, weight: 2, postal: "28018" },
  { name: "Ciudad Lineal", lat: 40.4477, lng: -3.6504, km: 1.6, weight: 2, postal: "28027" },
  { name: "Carabanchel", lat: 40.3827, lng: -3.7278, km: 1.6, weight: 2, postal: "28025" },
  { name: "Latina", lat: 40.4027, lng: -3.7413, km: 1.5, weight: 2, postal: "28047" },
  { name: "Hortaleza", lat: 40.4757, lng: -3.6413, km: 1.8, weight: 1, postal: "28043" },
  { name: "Barajas", lat: 40.4722, lng: -3.5805, km: 1.5, weight: 1, postal: "28042" },
] as const;

// Las Palmas de Gran Canaria: one hour behind Madrid all year (Atlantic/Canary).
const canaryNeighbourhoods = [
  { name: "Triana", lat: 28.1027, lng: -15.4158, km: 0.6, weight: 2, postal: "35002" },
  { name: "Vegueta", lat: 28.0998, lng: -15.4134, km: 0.5, weight: 1, postal: "35001" },
  { name: "Santa Catalina", lat: 28.1403, lng: -15.4312, km: 0.8, weight: 3, postal: "35007" },
  { name: "Las Canteras", lat: 28.1357, lng: -15.4378, km: 0.7, weight: 2, postal: "35010" },
] as const;

const canaryStreets = [
  "Calle Mayor de Triana",
  "Calle de León y Castillo",
  "Calle Ripoche",
  "Calle Tomás Morales",
];

const streets = [
  "Calle de Alcalá",
  "Gran Vía",
  "Calle de Serrano",
  "Paseo de la Castellana",
  "Calle de Goya",
  "Calle de Fuencarral",
  "Calle de Atocha",
  "Calle de Bravo Murillo",
  "Calle de Princesa",
  "Calle Mayor",
  "Calle de Embajadores",
  "Calle de Toledo",
  "Calle de López de Hoyos",
  "Calle de Arturo Soria",
  "Calle de O'Donnell",
  "Calle de Velázquez",
  "Calle de Sagasta",
  "Calle de Alberto Aguilera",
];

type Schedule = { dayOfWeek: number; start: string; end: string }[];
const everyDay = (start: string, end: string): Schedule =>
  [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, start, end }));
const weekdays = (start: string, end: string): Schedule =>
  [1, 2, 3, 4, 5].map((dayOfWeek) => ({ dayOfWeek, start, end }));

// Kinds of listing: what they are, when they open (local time; an end at or before the start runs
// overnight, as in the API), what they cost (cents per hour).
const kinds = [
  {
    type: "underground",
    size: "standard",
    title: "Underground garage",
    schedule: () => everyDay("00:00", "00:00"),
    hourly: [250, 450],
  },
  {
    type: "garage",
    size: "standard",
    title: "Private garage",
    schedule: () => everyDay("06:00", "23:00"),
    hourly: [200, 380],
  },
  {
    type: "driveway",
    size: "compact",
    title: "Driveway",
    schedule: () => weekdays("07:00", "21:00"),
    hourly: [150, 260],
  },
  // An office car park open to the public on weeknights (20:00 → 08:00 next day) and all weekend,
  // from Friday 20:00 to Monday 08:00, written as entries that touch but never overlap.
  {
    type: "lot",
    size: "large",
    title: "Office car park, nights and weekends",
    schedule: () => [
      ...weekdays("20:00", "08:00"),
      { dayOfWeek: 6, start: "08:00", end: "24:00" },
      { dayOfWeek: 0, start: "00:00", end: "00:00" },
      { dayOfWeek: 1, start: "00:00", end: "08:00" },
    ],
    hourly: [120, 220],
  },
  {
    type: "covered",
    size: "standard",
    title: "Covered space",
    schedule: () => everyDay("08:00", "22:00"),
    hourly: [180, 320],
  },
  {
    type: "street",
    size: "motorcycle",
    title: "Motorcycle bay",
    schedule: () => everyDay("00:00", "00:00"),
    hourly: [60, 120],
  },
] as const;

const amenityPool: Amenity[] = [
  "ev_charging",
  "covered",
  "security_camera",
  "lit",
  "gated",
  "wheelchair_accessible",
  "24h_access",
];

export interface DemoAccounts {
  admin: string;
  hosts: string[];
  drivers: string[];
  password: string;
}

export function demoAccounts(): DemoAccounts {
  return {
    admin: `admin@${DEMO_DOMAIN}`,
    hosts: Array.from({ length: HOSTS }, (_, i) => `host${i + 1}@${DEMO_DOMAIN}`),
    drivers: Array.from({ length: DRIVERS }, (_, i) => `driver${i + 1}@${DEMO_DOMAIN}`),
    password: DEMO_PASSWORD,
  };
}

export type DemoBody = z.input<typeof SpaceCreate>;

/** The demo listings as POST /spaces bodies, each with the index of the demo host who owns it. */
export function demoSpaces(): { hostIndex: number; body: DemoBody }[] {
  const random = prng(20261125);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const between = (low: number, high: number) => Math.round(low + random() * (high - low));
  const cities = [
    {
      count: SPACES,
      areas: neighbourhoods,
      streets,
      city: "Madrid",
      state: "Comunidad de Madrid",
      timezone: "Europe/Madrid",
    },
    {
      count: CANARY_SPACES,
      areas: canaryNeighbourhoods,
      streets: canaryStreets,
      city: "Las Palmas de Gran Canaria",
      state: "Canarias",
      timezone: "Atlantic/Canary",
    },
  ];
  const spaces: { hostIndex: number; body: DemoBody }[] = [];
  for (const place of cities) {
    const weighted = place.areas.flatMap((n) => Array.from({ length: n.weight }, () => n));
    for (let i = 0; i < place.count; i++) {
      const area = pick(weighted);
      // Uniform over a disc of the neighbourhood's radius (1° lat ≈ 111 km).
      const r = area.km * Math.sqrt(random());
      const angle = random() * 2 * Math.PI;
      const lat = area.lat + (r * Math.cos(angle)) / 111;
      const lng = area.lng + (r * Math.sin(angle)) / (111 * Math.cos((area.lat * Math.PI) / 180));
      const kind = pick(kinds);
      const hourly = between(kind.hourly[0] / 10, kind.hourly[1] / 10) * 10;
      const monthly = random() < 0.5 ? hourly * between(90, 140) : null;
      spaces.push({
        hostIndex: spaces.length % HOSTS,
        body: {
          title: `${kind.title} · ${area.name}`,
          address: {
            line1: `${pick(place.streets)}, ${between(1, 180)}`,
            city: place.city,
            state: place.state,
            postalCode: area.postal,
            country: "ES",
          },
          location: { lat, lng },
          timezone: place.timezone,
          spaceType: kind.type,
          spaceSize: kind.size,
          bookingMode: random() < 0.7 ? "instant" : "request",
          pricing: { currency: "EUR", hourly, daily: hourly * between(6, 9), monthly },
          schedule: kind.schedule(),
          bufferMinutes: pick([0, 0, 10, 15]),
          minNoticeMinutes: pick([0, 15, 30, 60]),
          amenities: amenityPool.filter(() => random() < 0.3),
        },
      });
    }
  }
  return spaces;
}

/** Seeds the demo data unless it is already there; returns how many spaces it inserted. */
export async function seedDemoData(pool: Pool, resolutions: { map: number; shard: number }): Promise<number> {
  const accounts = demoAccounts();
  if (await findUserByEmail(pool, accounts.admin)) return 0;
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  return withTransaction(pool, async (tx) => {
    const person = (email: string, first: string, last: string, roles: ("driver" | "host" | "admin")[]) =>
      insertUser(tx, { email, passwordHash, firstName: first, lastName: last, roles }).then(async (user) => {
        await markEmailVerified(tx, user.id);
        return user;
      });
    await person(accounts.admin, "Ada", "Admin", ["admin", "driver"]);
    const firstNames = [
      "Lucía",
      "Hugo",
      "Martina",
      "Mateo",
      "Sofía",
      "Leo",
      "Julia",
      "Daniel",
      "Paula",
      "Álvaro",
    ];
    const hosts: { id: string }[] = [];
    for (const [i, email] of accounts.hosts.entries()) {
      hosts.push(
        await person(email, firstNames[i % firstNames.length]!, `Host ${i + 1}`, ["driver", "host"]),
      );
    }
    for (const [i, email] of accounts.drivers.entries()) {
      await person(email, firstNames[(i + 3) % firstNames.length]!, `Driver ${i + 1}`, ["driver"]);
    }

    const spaces = demoSpaces().map(({ hostIndex, body }) => {
      const listing = listingFromCreate(SpaceCreate.parse(body), resolutions);
      return { host_id: hosts[hostIndex]!.id, ...listing };
    });
    const columns = [
      ["host_id", "uuid"],
      ["title", "text"],
      ["description", "text"],
      ["address_line1", "text"],
      ["address_line2", "text"],
      ["city", "text"],
      ["state", "text"],
      ["postal_code", "text"],
      ["country", "text"],
      ["lat", "float8"],
      ["lng", "float8"],
      ["h3_cell", "text"],
      ["h3_shard_cell", "text"],
      ["timezone", "text"],
      ["space_type", "text"],
      ["space_size", "text"],
      ["booking_mode", "text"],
      ["currency", "text"],
      ["hourly_rate", "int"],
      ["daily_rate", "int"],
      ["monthly_rate", "int"],
      ["buffer_minutes", "int"],
      ["min_notice_minutes", "int"],
      ["min_duration_minutes", "int"],
      ["max_duration_minutes", "int"],
    ] as const;
    const names = columns.map(([name]) => name).join(", ");

    for (let from = 0; from < spaces.length; from += 500) {
      const chunk = spaces.slice(from, from + 500);
      const rows = chunk.map(({ host_id, fields: f }) => ({
        host_id,
        title: f.title,
        description: f.description,
        address_line1: f.addressLine1,
        address_line2: f.addressLine2,
        city: f.city,
        state: f.state,
        postal_code: f.postalCode,
        country: f.country,
        lat: f.lat,
        lng: f.lng,
        h3_cell: f.h3Cell,
        h3_shard_cell: f.h3ShardCell,
        timezone: f.timezone,
        space_type: f.spaceType,
        space_size: f.spaceSize,
        booking_mode: f.bookingMode,
        currency: f.currency,
        hourly_rate: f.hourlyRate,
        daily_rate: f.dailyRate,
        monthly_rate: f.monthlyRate,
        buffer_minutes: f.bufferMinutes,
        min_notice_minutes: f.minNoticeMinutes,
        min_duration_minutes: f.minDurationMinutes,
        max_duration_minutes: f.maxDurationMinutes,
      }));
      const { rows: inserted } = await tx.query<{ id: string }>(
        `insert into parking_spaces (${names})
         select ${names} from jsonb_to_recordset($1::jsonb)
           as x(${columns.map(([name, type]) => `${name} ${type}`).join(", ")})
         returning id`,
        [JSON.stringify(rows)],
      );
      const ids = inserted.map((row) => row.id);
      const hours = chunk.flatMap((space, i) => space.schedule.map((h) => ({ space_id: ids[i], ...h })));
      await tx.query(
        `insert into space_availability (space_id, day_of_week, start_minute, end_minute)
         select space_id, "dayOfWeek", "startMinute", "endMinute" from jsonb_to_recordset($1::jsonb)
           as x(space_id uuid, "dayOfWeek" int, "startMinute" int, "endMinute" int)`,
        [JSON.stringify(hours)],
      );
      const amenities = chunk.flatMap((space, i) =>
        space.amenities.map((amenity) => ({ space_id: ids[i], amenity })),
      );
      await tx.query(
        `insert into space_amenities (space_id, amenity)
         select space_id, amenity from jsonb_to_recordset($1::jsonb) as x(space_id uuid, amenity text)`,
        [JSON.stringify(amenities)],
      );
    }
    return spaces.length;
  });
}
