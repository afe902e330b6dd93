// Signed-in accounts with given roles, made straight in SQL with a token signed for them: tests that
// need many people (an authorization matrix) need no password hashing for each.
import { randomUUID } from "node:crypto";
import type { Role } from "../../src/domain/roles.ts";
import type { TestApp } from "./test-app.ts";

export async function sqlAccount(t: TestApp, roles: Role[], label = "account") {
  const userId = randomUUID();
  await t.deps.pool.query(
    `insert into users (id, email, password_hash, first_name, last_name)
     values ($1::uuid, lower($2) || '-' || $1::text || '@test.parkealo.live', 'x', 'Test', 'Account')`,
    [userId, label],
  );
  await t.deps.pool.query(`insert into user_roles (user_id, role) select $1::uuid, unnest($2::text[])`, [
    userId,
    roles,
  ]);
  const token = await t.deps.accessTokens.sign({ userId, roles });
  const client = t.client();
  client.setToken(token);
  return { userId, token, client };
}

export type SqlAccount = Awaited<ReturnType<typeof sqlAccount>>;
