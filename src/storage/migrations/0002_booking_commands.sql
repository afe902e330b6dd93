-- Up Migration
-- Every actor command that changed a booking, by its command id: a command delivered again (a
-- worker died after committing, a mailbox re-read it) finds its first effect here and changes nothing.

create table booking_commands (
  command_id text primary key,
  booking_id uuid not null references bookings (id) on delete cascade,
  command_type text not null,
  created_at timestamptz not null default now()
);
create index booking_commands_booking_idx on booking_commands (booking_id);

-- Down Migration
drop table if exists booking_commands;
