// Reads behind the search box and the "popular" list: city / title / address suggestions matched
// with pg_trgm indexes, and the map cells and spaces booked most over a recent period.
import type { LatLngBox } from "../geo/distance.ts";
import type { Queryable } from "./postgres.ts";

export type SuggestionKind = "city" | "space" | "address";

export interface Suggestion {
  kind: SuggestionKind;
  /** What to show and what to search for. */
  text: string;
  /** For a city: its active spaces; for a space or an address: 1. */
  spaces: number;
  /** A space's id (kind space / address). */
  spaceId: string | null;
  /** Where to centre the map: the space, or the mean position of a city's spaces. */
  location: { lat: number; lng: number };
}

/** `text` escaped for LIKE (backslash is the default escape character). */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Cities whose name starts with `q`, then spaces whose title or street address contains it (titles
 * and addresses that start with it first, then by trigram similarity). Case-insensitive.
 */
export async function suggestPlaces(db: Queryable, q: string, limit: number): Promise<Suggestion[]> {
  const needle = q.toLowerCase();
  const { rows } = await db.query<{
    kind: SuggestionKind;
    text: string;
    spaces: number;
    space_id: string | null;
    lat: number;
    lng: number;
  }>(
    `(select 'city' as kind, min(city) as text, count(*)::int as spaces, null::uuid as space_id,
             avg(lat) as lat, avg(lng) as lng, 0 as rank_group, 1.0::real as score
        from parking_spaces
       where status = 'active' and lower(city) like $2 || '%'
       group by lower(city)
       order by count(*) desc, lower(city)
       limit $3)
     union all
     (select 'space', title, 1, id, lat, lng, case when lower(title) like $2 || '%' then 1 else 2 end,
             word_similarity($1, lower(title))
        from parking_spaces
       where status = 'active' and lower(title) like '%' || $2 || '%'
       order by 7, 8 desc, title, id
       limit $3)
     union all
     (select 'address', address_line1 || ', ' || city, 1, id, lat, lng,
             case when lower(address_line1) like $2 || '%' then 1 else 2 end,
             word_similarity($1, lower(address_line1))
        from parking_spaces
       where status = 'active' and lower(address_line1) like '%' || $2 || '%'
       order by 7, 8 desc, address_line1, id
       limit $3)
     order by rank_group, score desc, text
     limit $3`,
    [needle, likeEscaped(needle), limit],
  );
  return rows.map((row) => ({
    kind: row.kind,
    text: row.text,
    spaces: row.spaces,
    spaceId: row.space_id,
    location: { lat: row.lat, lng: row.lng },
  }));
}

/** Statuses of bookings that were made and not refused: what "booked" means for popularity. */
const BOOKED = ["pending_approval", "confirmed", "active", "completed"];

export interface PopularCell {
  cell: string;
  bookings: number;
  /** Distinct spaces booked in the cell. */
  spaces: number;
}

export interface PopularSpace {
  id: string;
  title: string;
  city: string;
  location: { lat: number; lng: number };
  h3Cell: string;
  bookings: number;
}

/** Cells and active spaces with the most bookings created since `since`, optionally inside `box`. */
export async function popularPlaces(
  db: Queryable,
  since: Date,
  limit: number,
  box: LatLngBox | null,
): Promise<{ cells: PopularCell[]; spaces: PopularSpace[] }> {
  const params = [
    since,
    BOOKED,
    limit,
    box?.minLat ?? null,
    box?.maxLat ?? null,
    box?.minLng ?? null,
    box?.maxLng ?? null,
  ];
  const booked = `
    select s.id, s.title, s.city, s.lat, s.lng, s.h3_cell, count(*)::int as bookings
      from bookings b join parking_spaces s on s.id = b.space_id
     where b.created_at >= $1 and b.status = any ($2) and s.status = 'active'
       and ($4::float8 is null or s.lat between $4 and $5)
       and ($6::float8 is null or s.lng between $6 and $7)
     group by s.id`;
  const [cells, spaces] = await Promise.all([
    db.query<{ cell: string; bookings: number; spaces: number }>(
      `select h3_cell as cell, sum(bookings)::int as bookings, count(*)::int as spaces
         from (${booked}) booked
        group by h3_cell
        order by 2 desc, 1
        limit $3`,
      params,
    ),
    db.query<{
      id: string;
      title: string;
      city: string;
      lat: number;
      lng: number;
      h3_cell: string;
      bookings: number;
    }>(`select * from (${booked}) booked order by bookings desc, id limit $3`, params),
  ]);
  return {
    cells: cells.rows,
    spaces: spaces.rows.map((row) => ({
      id: row.id,
      title: row.title,
      city: row.city,
      location: { lat: row.lat, lng: row.lng },
      h3Cell: row.h3_cell,
      bookings: row.bookings,
    })),
  };
}
