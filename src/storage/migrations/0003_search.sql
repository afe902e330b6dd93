-- Up Migration
-- Search indexes. Spaces are found by ranges of H3 cells: every map-resolution descendant of a
-- coarser cell has an index in one contiguous range, so a disk of coarse cells becomes a few index
-- range scans. Hex strings of one resolution compare like the numbers they spell only under the "C"
-- collation, hence the explicit collation; the included columns let the candidate scan run index-only.
create index parking_spaces_h3_cell_search_idx on parking_spaces (h3_cell collate "C")
  include (id, lat, lng, space_type, hourly_rate, daily_rate, monthly_rate, min_notice_minutes,
    min_duration_minutes, max_duration_minutes)
  where status = 'active';

-- Suggestions match street addresses too (titles and cities are indexed by the foundation).
create index parking_spaces_address_trgm_idx on parking_spaces using gin (lower(address_line1) gin_trgm_ops);

-- Popular places: bookings made over a recent period.
create index bookings_created_idx on bookings (created_at);

-- Down Migration
drop index if exists bookings_created_idx;
drop index if exists parking_spaces_address_trgm_idx;
drop index if exists parking_spaces_h3_cell_search_idx;
