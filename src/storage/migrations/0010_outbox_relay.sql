-- Up Migration
-- The outbox relayed to BullMQ (the relay reads `outbox` itself; its writers wake it with
-- NOTIFY outbox_events, src/storage/outbox-repository.ts).
-- processed_events: which handler has had its effect for which outbox event, written in the
-- handler's own transaction, so a redelivered event has that effect once.
-- space_event_counts: booking events per space and event type, kept by the `space-event-counts`
-- handler. outbox_published_idx: the retention job's delete of published rows by age.

create index outbox_published_idx on outbox (published_at) where published_at is not null;

create table processed_events (
  event_id bigint not null,
  handler text not null,
  processed_at timestamptz not null default now(),
  primary key (event_id, handler)
);
create index processed_events_processed_at_idx on processed_events (processed_at);

create table space_event_counts (
  space_id uuid not null,
  event_type text not null,
  events bigint not null,
  last_event_id bigint not null,
  updated_at timestamptz not null default now(),
  primary key (space_id, event_type)
);

-- Down Migration
drop table if exists space_event_counts;
drop table if exists processed_events;
drop index if exists outbox_published_idx;
