// The demo data `npm start` seeds, checked in a database of its own: a real city's worth of spaces
// over many H3 cells, working demo logins, a second run that changes nothing, and the demo hosts'
// payment accounts onboarded on the local Stripe-compatible server, once.
import { cellToParent } from "h3-js";
import { describe, expect, it } from "vitest";
import { demoAccounts, seedDemoData } from "../../devstack/demo-data.ts";
import { onboardDemoHosts } from "../../devstack/demo-payments.ts";
import { verifyPassword } from "../../src/auth/passwords.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { testStripe } from "../support/stripe-server.ts";

const scratch = useScratchDatabase("demo_check");
const resolutions = { map: 9, shard: 4 };

describe("demo data", () => {
  it("seeds at least 2,000 spaces of Madrid over many cells, with schedules, once", async () => {
    expect(await seedDemoData(scratch.pool(), resolutions)).toBeGreaterThanOrEqual(2000);
    const { rows } = await scratch.pool().query(
      `select count(*)::int as spaces, count(distinct h3_cell)::int as cells, count(distinct h3_shard_cell)::int as shards,
              min(lat) filter (where city = 'Madrid') as "minLat", max(lat) filter (where city = 'Madrid') as "maxLat",
              (select count(distinct space_id)::int from space_availability) as scheduled,
              count(*) filter (where booking_mode = 'request')::int as "requestToBook"
         from parking_spaces`,
    );
    const stats = rows[0];
    expect(stats.spaces).toBeGreaterThanOrEqual(2000);
    expect(stats.cells).toBeGreaterThan(500);
    expect(stats.scheduled).toBe(stats.spaces);
    expect(stats.requestToBook).toBeGreaterThan(0);
    expect(stats.minLat).toBeGreaterThan(40.3);
    expect(stats.maxLat).toBeLessThan(40.55);

    const sample = await scratch.pool().query(`select h3_cell, h3_shard_cell from parking_spaces limit 20`);
    for (const row of sample.rows)
      expect(row.h3_shard_cell).toBe(cellToParent(row.h3_cell, resolutions.shard));

    expect(await seedDemoData(scratch.pool(), resolutions)).toBe(0);
    const again = await scratch.pool().query(`select count(*)::int as n from parking_spaces`);
    expect(again.rows[0].n).toBe(stats.spaces);
  }, 60_000);

  it("demo logins work with the printed password", async () => {
    const accounts = demoAccounts();
    for (const email of [accounts.admin, accounts.hosts[0]!, accounts.drivers[0]!]) {
      const { rows } = await scratch
        .pool()
        .query(`select password_hash from users where email = $1`, [email]);
      expect(await verifyPassword(rows[0].password_hash, accounts.password)).toBe(true);
    }
    const roles = await scratch.pool().query(
      `select u.email, array_agg(r.role order by r.role) as roles from users u join user_roles r on r.user_id = u.id
        where u.email = any($1) group by u.email`,
      [[accounts.admin, accounts.hosts[0]]],
    );
    const byEmail = Object.fromEntries(roles.rows.map((row) => [row.email, row.roles]));
    expect(byEmail[accounts.admin]).toContain("admin");
    expect(byEmail[accounts.hosts[0]!]).toEqual(["driver", "host"]);
  });

  it("onboards every demo host's payment account on the local Stripe server, once", async () => {
    const stripe = testStripe();
    const config = {
      STRIPE_SECRET_KEY: stripe.key,
      STRIPE_API_URL: stripe.apiUrl,
      PUBLIC_URL: "http://localhost:3000",
    };
    const hosts = demoAccounts().hosts.length;
    expect(await onboardDemoHosts(scratch.pool(), config)).toEqual({ onboarded: hosts, ready: 0, links: [] });
    const { rows } = await scratch.pool().query(
      `select count(*)::int as n from host_payment_accounts a join users u on u.id = a.user_id
        where u.email = any($1) and a.charges_enabled and a.payouts_enabled`,
      [demoAccounts().hosts],
    );
    expect(rows[0].n).toBe(hosts);
    expect(await onboardDemoHosts(scratch.pool(), config)).toEqual({ onboarded: 0, ready: hosts, links: [] });
    expect((await stripe.counts()).accounts).toBe(hosts);
    expect(
      await onboardDemoHosts(scratch.pool(), { ...config, STRIPE_SECRET_KEY: undefined }),
    ).toBeUndefined();
  });
});
