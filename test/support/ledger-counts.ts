// Row counts of every table the API writes, to check that refused requests wrote nothing. Meant for a
// database of a test file's own (test/support/scratch-database.ts): nobody else's rows move them.
import type { Pool } from "../../src/storage/postgres.ts";

export const WRITTEN_TABLES = [
  "users",
  "user_roles",
  "user_preferences",
  "refresh_tokens",
  "email_tokens",
  "parking_spaces",
  "space_amenities",
  "space_availability",
  "space_availability_exceptions",
  "space_images",
  "bookings",
  "booking_status_history",
  "booking_commands",
  "idempotency_keys",
  "outbox",
  "host_payment_accounts",
  "stripe_events",
  "payouts",
  "notifications",
  "notification_preferences",
] as const;

export async function ledgerCounts(pool: Pool): Promise<Record<string, number>> {
  const columns = WRITTEN_TABLES.map((table) => `(select count(*)::int from ${table}) as ${table}`).join(
    ", ",
  );
  // Updates move no count: the last change of any row of the tables that have one is part of it.
  const { rows } = await pool.query(
    `select ${columns},
       (select coalesce(max(updated_at)::text, '') from users) as users_updated,
       (select coalesce(max(updated_at)::text, '') from parking_spaces) as spaces_updated,
       (select coalesce(max(updated_at)::text, '') from bookings) as bookings_updated,
       (select coalesce(max(updated_at)::text, '') from notification_preferences) as notification_preferences_updated,
       (select coalesce(max(read_at)::text, '') from notifications) as notifications_read`,
  );
  return rows[0];
}
