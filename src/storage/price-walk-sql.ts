// The SQL of search's price walk over price blocks (migration 0004): each block's active spaces
// are read cheapest first from its stay-price index, a bounded number per block, so a search
// touches the first few dozen keys of each block of its radius rather than every candidate.
// Prepared once per connection (named) per ladder step.
import { haversineSql } from "./haversine-sql.ts";
import { priceLowerBoundSql, priceUpperBoundSql } from "./price-bounds-sql.ts";
import { type LadderMinutes, stayPriceColumn } from "./stay-price-keys.ts";

/** Most blocks a walk reads (a radius of about 2.5 km); wider searches read every range at once. */
export const MAX_BLOCKS = 128;

/**
 * Parameters, in order: $1 blocks (text[]), $2 lat, $3 lng, $4 radiusM, $5..$8 lat/lng box,
 * $9 space types, $10 duration, $11 notice (minutes), $12 amenities, $13..$15 PriceBoundParams,
 * $16 maxPrice, $17 keys to read per block, $18 rows to return, $19..$21 reading position
 * (price, distance, id), $22..$24 page cursor (price, distance, id).
 */
const BOUNDS = { fullDays: "$13", restMinutes: "$14", monthMinutes: "$15" };
const LOW = priceLowerBoundSql("s", BOUNDS);
const HIGH = priceUpperBoundSql("s", BOUNDS);
const DISTANCE = haversineSql("s", "$2", "$3");

/**
 * Each block's first $17 candidates in stored-key order (an index-only scan of its stay-price
 * index, cut by the cheap filters, the exact radius and the page cursor by the price's upper
 * bound). `bound` is the smallest last key among the blocks that filled their $17: nothing unread
 * has a lower key, nor so a lower price (null when every block was read to its end). Of the
 * candidates read, the $18 first after the reading position in (price, distance, id) order.
 */
function priceWalkSql(step: LadderMinutes): string {
  const key = stayPriceColumn(step);
  return `
  with prefix as materialized (
    select b.block, c.*
      from unnest($1::text[]) as b (block)
     cross join lateral (
       select s.id, s.hourly_rate, s.daily_rate, s.monthly_rate, s.${key} as stay_key,
              ${LOW} as price_low, ${DISTANCE} as distance_m
         from parking_spaces s
        where s.status = 'active' and s.price_block = b.block
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
          and ($22::bigint is null or (${HIGH}, ${DISTANCE}, s.id) > ($22, $23::float8, $24::uuid))
        order by s.${key}
        limit $17) c
  ), cut as (
    select min(last_key) as bound
      from (select max(stay_key) as last_key from prefix group by block having count(*) >= $17) f
  )
  select m.bound, c.*
    from cut m
    left join lateral (
      select p.id, p.distance_m, p.hourly_rate, p.daily_rate, p.monthly_rate, p.price_low
        from prefix p
       where ($19::bigint is null or (p.price_low, p.distance_m, p.id) > ($19, $20::float8, $21::uuid))
       order by p.price_low, p.distance_m, p.id
       limit $18) c on true`;
}

const statements = new Map<LadderMinutes, { name: string; text: string }>();

/** The prepared statement of the walk for a ladder step. */
export function priceWalkStatement(step: LadderMinutes): { name: string; text: string } {
  let statement = statements.get(step);
  if (statement === undefined) {
    statement = { name: `search_price_walk_${step}`, text: priceWalkSql(step) };
    statements.set(step, statement);
  }
  return statement;
}
