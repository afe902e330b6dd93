// Users, their roles and preferences in PostgreSQL. Functions take a Queryable so they run on the
// pool or inside a caller's transaction.
import type { Role } from "../domain/roles.ts";
import type { Queryable } from "./postgres.ts";

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  avatarUrl: string | null;
  bio: string | null;
  emailVerifiedAt: Date | null;
  status: "active" | "suspended" | "deleted";
  createdAt: Date;
  roles: Role[];
}

export interface Preferences {
  emailNotifications: boolean;
  smsNotifications: boolean;
  pushNotifications: boolean;
  marketingEmails: boolean;
  language: string;
  currency: string;
  timezone: string;
}

const userColumns = `
  u.id, u.email, u.password_hash as "passwordHash", u.first_name as "firstName", u.last_name as "lastName",
  u.phone, u.avatar_url as "avatarUrl", u.bio, u.email_verified_at as "emailVerifiedAt", u.status,
  u.created_at as "createdAt",
  coalesce((select array_agg(r.role order by r.role) from user_roles r where r.user_id = u.id), '{}') as roles`;

export async function insertUser(
  db: Queryable,
  user: { email: string; passwordHash: string; firstName: string; lastName: string; roles: Role[] },
): Promise<UserRecord> {
  const { rows } = await db.query<{ id: string }>(
    `insert into users (email, password_hash, first_name, last_name) values ($1, $2, $3, $4) returning id`,
    [user.email, user.passwordHash, user.firstName, user.lastName],
  );
  const id = rows[0]!.id;
  await db.query(`insert into user_roles (user_id, role) select $1, unnest($2::text[])`, [id, user.roles]);
  await db.query(`insert into user_preferences (user_id) values ($1)`, [id]);
  return (await findUserById(db, id))!;
}

export async function findUserById(db: Queryable, id: string): Promise<UserRecord | undefined> {
  const { rows } = await db.query<UserRecord>(`select ${userColumns} from users u where u.id = $1`, [id]);
  return rows[0];
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRecord | undefined> {
  const { rows } = await db.query<UserRecord>(`select ${userColumns} from users u where u.email = $1`, [
    email.toLowerCase(),
  ]);
  return rows[0];
}

export async function updateProfile(
  db: Queryable,
  id: string,
  changes: Partial<Pick<UserRecord, "firstName" | "lastName" | "phone" | "avatarUrl" | "bio">>,
): Promise<UserRecord | undefined> {
  const columns = {
    firstName: "first_name",
    lastName: "last_name",
    phone: "phone",
    avatarUrl: "avatar_url",
    bio: "bio",
  };
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length > 0) {
    const sets = entries.map(([field], i) => `${columns[field as keyof typeof columns]} = $${i + 2}`);
    await db.query(`update users set ${sets.join(", ")}, updated_at = now() where id = $1`, [
      id,
      ...entries.map(([, value]) => value),
    ]);
  }
  return findUserById(db, id);
}

export async function setPasswordHash(db: Queryable, id: string, passwordHash: string): Promise<void> {
  await db.query(`update users set password_hash = $2, updated_at = now() where id = $1`, [id, passwordHash]);
}

export async function markEmailVerified(db: Queryable, id: string): Promise<void> {
  await db.query(
    `update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now() where id = $1`,
    [id],
  );
}

export async function grantRoles(db: Queryable, id: string, roles: Role[]): Promise<void> {
  await db.query(
    `insert into user_roles (user_id, role) select $1, unnest($2::text[]) on conflict do nothing`,
    [id, roles],
  );
}

export async function setRoles(db: Queryable, id: string, roles: Role[]): Promise<void> {
  await db.query(`delete from user_roles where user_id = $1 and role <> all($2::text[])`, [id, roles]);
  await grantRoles(db, id, roles);
}

const preferenceColumns = `
  email_notifications as "emailNotifications", sms_notifications as "smsNotifications",
  push_notifications as "pushNotifications", marketing_emails as "marketingEmails",
  language, currency, timezone`;

export async function getPreferences(db: Queryable, userId: string): Promise<Preferences> {
  const { rows } = await db.query<Preferences>(
    `insert into user_preferences (user_id) values ($1) on conflict (user_id) do update set user_id = excluded.user_id
     returning ${preferenceColumns}`,
    [userId],
  );
  return rows[0]!;
}

export async function updatePreferences(
  db: Queryable,
  userId: string,
  changes: Partial<Preferences>,
): Promise<Preferences> {
  const columns: Record<keyof Preferences, string> = {
    emailNotifications: "email_notifications",
    smsNotifications: "sms_notifications",
    pushNotifications: "push_notifications",
    marketingEmails: "marketing_emails",
    language: "language",
    currency: "currency",
    timezone: "timezone",
  };
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return getPreferences(db, userId);
  const names = entries.map(([field]) => columns[field as keyof Preferences]);
  const { rows } = await db.query<Preferences>(
    `insert into user_preferences (user_id, ${names.join(", ")}) values ($1, ${names.map((_, i) => `$${i + 2}`).join(", ")})
     on conflict (user_id) do update set ${names.map((n) => `${n} = excluded.${n}`).join(", ")}, updated_at = now()
     returning ${preferenceColumns}`,
    [userId, ...entries.map(([, value]) => value)],
  );
  return rows[0]!;
}
