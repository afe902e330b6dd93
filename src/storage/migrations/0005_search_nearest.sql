-- Up Migration
-- Distance order for search read nearest first from an index, not from every space of the nearest
-- H3 cells. earthdistance's ll_to_earth puts a point on a sphere (a cube value); a GiST index over
-- it answers `order by point <-> origin limit n` by walking the index outwards (a KNN scan), and an
-- earth_box of the radius bounds the walk. Chords and great-circle distances on one sphere grow
-- together, so chord order is the haversine order search lists results in
-- (src/storage/search-repository.ts, NEAREST).
create extension if not exists cube;
create extension if not exists earthdistance;
create index parking_spaces_earth_idx on parking_spaces using gist (ll_to_earth(lat, lng))
  where status = 'active';

-- Down Migration
drop index if exists parking_spaces_earth_idx;
drop extension if exists earthdistance;
drop extension if exists cube;
