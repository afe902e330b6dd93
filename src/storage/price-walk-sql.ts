// The SQL of search's price walk over price blocks (migration 0004): each block's active spaces
// are read cheapest first from its stay-price index, the blocks merged in key order (a Merge Append
// of index-only scans, read lazily), so a search touches the first few hundred keys of its radius
// rather than every candidate. Statements are prepared once per connection (named), for a few
// padded block counts, so their plans are cached.
import { haversineSql } from "./haversine-sql.ts";
import { priceLowerBoundSql, priceUpperBoundSql } from "./price-bounds-sql.ts";
import { type LadderMinutes, stayPriceColumn } from "./stay-price-keys.ts";

/** Block counts a statement is written for; a search's blocks are padded to the next one (nulls). */
export const BLOCK_SLOTS = [8, 16, 32, 64, 128] as const;
export const MAX_BLOCKS = BLOCK_SLOTS.at(-1)!;

/**
 * Parameters, in order: $1 blocks (text[]), $2 lat, $3 lng, $4 radiusM, $5..$8 lat/lng box,
 * $9 space types, $10 duration, $11 notice (minutes), $12 amenities, $13..$15 PriceBoundParams,
 * $16 maxPrice, $17 keys to read (the prefix), $18 rows to return, $19..$21 reading position
 * (price, distance, id), $22..$24 page cursor (price, distance, id).
 */
const BOUNDS = { fullDays: "$13", restMinutes: "$14", monthMinutes: "$15" };
const LOW = priceLowerBoundSql("s", BOUNDS);
const HIGH = priceUpperBoundSql("s", BOUNDS);
const DISTANCE = haversineSql("s", "$2", "$3");

/** One block's candidates: the cheap filters, the exact radius, the page cursor by the price's upper bound. */
const blockScan = (key: string, slot: number) => `
  select s.id, s.hourly_rate, s.daily_rate, s.monthly_rate, s.${key} as stay_key,
         ${LOW} as price_low, ${DISTANCE} as distance_m
    from parking_spaces s
   where s.status = 'active' and s.price_block = ($1::text[])[${slot}]
     and s.lat between $5 and $6
     and ($7::float8 is null or s.lng between $7 and $8)
     and ($9::text[] is null or s.space_type = any ($9))
     and s.min_duration_minutes <= $10
     and (s.max_duration_minutes is null or s.max_duration_minutes >= $10)
     and s.min_notice_minutes <= $11
     and ($12::text[] is null or (select count(*) from space_amenities a
                                   where a.space_id = s.id and a.amenity = any ($12)) = cardinality($12))
     and ($16::bigint is null or (s.${key} <= $16 and ${LOW} <= $16))
     and ${DISTANCE} <= $4
     and ($22::bigint is null or (${HIGH}, ${DISTANCE}, s.id) > ($22, $23::float8, $24::uuid))`;

/**
 * The first $17 candidates of the blocks in stored-key order (the prefix: every candidate whose key
 * is below the prefix's last key is in it), and of those, the $18 first after the reading position
 * in (price, distance, id) order. `read` and `last_key` say how far the prefix went.
 */
function priceWalkSql(step: LadderMinutes, slots: number): string {
  const key = stayPriceColumn(step);
  const scans = Array.from({ length: slots }, (_, i) => blockScan(key, i + 1)).join("\n  union all");
  return `
  with prefix as materialized (
    select u.* from (${scans}) u
     order by u.stay_key
     limit $17
  ), cut as (
    select count(*)::int as read, max(stay_key) as last_key from prefix
  )
  select m.read, m.last_key, c.*
    from cut m
    left join lateral (
      select p.id, p.distance_m, p.hourly_rate, p.daily_rate, p.monthly_rate, p.price_low
        from prefix p
       where ($19::bigint is null or (p.price_low, p.distance_m, p.id) > ($19, $20::float8, $21::uuid))
       order by p.price_low, p.distance_m, p.id
       limit $18) c on true`;
}

const statements = new Map<string, { name: string; text: string }>();

/** The prepared statement for a ladder step and a number of blocks (at most MAX_BLOCKS). */
export function priceWalkStatement(step: LadderMinutes, blocks: number): { name: string; text: string } {
  const slots = BLOCK_SLOTS.find((n) => n >= blocks);
  if (slots === undefined) throw new RangeError(`at most ${MAX_BLOCKS} price blocks per walk`);
  const name = `search_price_walk_${step}_${slots}`;
  let statement = statements.get(name);
  if (statement === undefined) {
    statement = { name, text: priceWalkSql(step, slots) };
    statements.set(name, statement);
  }
  return statement;
}

/** The blocks padded with nulls to the statement's slot count. */
export function paddedBlocks(blocks: readonly string[]): (string | null)[] {
  const slots = BLOCK_SLOTS.find((n) => n >= blocks.length) ?? blocks.length;
  return [...blocks, ...Array.from({ length: slots - blocks.length }, () => null)];
}
