-- Up Migration
-- Price order for search without reading every candidate of the radius. A stay's price never
-- decreases with its length (src/domain/pricing.ts), so the price of a standard stay of L minutes
-- is a lower bound of the price of any stay of L minutes or more: stay_price_<L> holds it for a
-- ladder of lengths (15 minutes to 28 days; the expression restates priceForDuration, checked equal
-- to it by test/integration/search-price-bounds.test.ts). price_block (the first 10 hex digits of
-- h3_cell: half a resolution-8 cell, about 0.4 km²) groups nearby spaces; one index per length
-- lists a block's active spaces cheapest first, so search reads the first few keys of each block of
-- a radius and stops soon after the page's last price (src/storage/price-walk-sql.ts).
alter table parking_spaces
  add column price_block text generated always as (left(h3_cell, 10)) stored,
  add column stay_price_15 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 15 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_30 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 30 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_60 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 60 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_120 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 120 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_240 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 240 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_480 bigint generated always as (
    least(0::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 480 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_1440 bigint generated always as (
    least(1::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_2880 bigint generated always as (
    least(2::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_5760 bigint generated always as (
    least(4::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_10080 bigint generated always as (
    least(7::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_20160 bigint generated always as (
    least(14::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored,
  add column stay_price_40320 bigint generated always as (
    least(28::bigint * least(24 * hourly_rate::bigint, daily_rate::bigint) + least((hourly_rate::bigint * 0 + 59) / 60, daily_rate::bigint), (monthly_rate::bigint * 40320 + 43199) / 43200)) stored;

create index parking_spaces_stay_price_15_idx on parking_spaces (price_block, stay_price_15)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_30_idx on parking_spaces (price_block, stay_price_30)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_60_idx on parking_spaces (price_block, stay_price_60)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_120_idx on parking_spaces (price_block, stay_price_120)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_240_idx on parking_spaces (price_block, stay_price_240)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_480_idx on parking_spaces (price_block, stay_price_480)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_1440_idx on parking_spaces (price_block, stay_price_1440)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_2880_idx on parking_spaces (price_block, stay_price_2880)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_5760_idx on parking_spaces (price_block, stay_price_5760)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_10080_idx on parking_spaces (price_block, stay_price_10080)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_20160_idx on parking_spaces (price_block, stay_price_20160)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';
create index parking_spaces_stay_price_40320_idx on parking_spaces (price_block, stay_price_40320)
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';

-- Down Migration
drop index if exists parking_spaces_stay_price_15_idx;
drop index if exists parking_spaces_stay_price_30_idx;
drop index if exists parking_spaces_stay_price_60_idx;
drop index if exists parking_spaces_stay_price_120_idx;
drop index if exists parking_spaces_stay_price_240_idx;
drop index if exists parking_spaces_stay_price_480_idx;
drop index if exists parking_spaces_stay_price_1440_idx;
drop index if exists parking_spaces_stay_price_2880_idx;
drop index if exists parking_spaces_stay_price_5760_idx;
drop index if exists parking_spaces_stay_price_10080_idx;
drop index if exists parking_spaces_stay_price_20160_idx;
drop index if exists parking_spaces_stay_price_40320_idx;
alter table parking_spaces
  drop column if exists price_block,
  drop column if exists stay_price_15,
  drop column if exists stay_price_30,
  drop column if exists stay_price_60,
  drop column if exists stay_price_120,
  drop column if exists stay_price_240,
  drop column if exists stay_price_480,
  drop column if exists stay_price_1440,
  drop column if exists stay_price_2880,
  drop column if exists stay_price_5760,
  drop column if exists stay_price_10080,
  drop column if exists stay_price_20160,
  drop column if exists stay_price_40320;
