// The price bounds search orders and pre-filters by in SQL hold the domain's price between them:
// low ≤ priceForDuration ≤ high for any rates and duration, and low is the price itself (search
// stays correct if it is not, but its price walk would read more rows).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_PRICED_MINUTES, priceForDuration } from "../../src/domain/index.ts";
import {
  priceBoundParams,
  priceLowerBoundSql,
  priceUpperBoundSql,
} from "../../src/storage/price-bounds-sql.ts";
import { ladderStepFor, STAY_PRICE_LADDER, stayPriceColumn } from "../../src/storage/stay-price-keys.ts";
import { insertSpaces, insertUser, spaceSeed } from "../support/search-fixtures.ts";
import { createTestApp } from "../support/test-app.ts";

const t = createTestApp();
const P = { fullDays: "$4", restMinutes: "$5", monthMinutes: "$6" };
const BOUNDS = `
  select ${priceLowerBoundSql("r", P)}::text as low, ${priceUpperBoundSql("r", P)}::text as high
    from unnest($1::int[], $2::int[], $3::int[]) with ordinality as r (hourly_rate, daily_rate, monthly_rate, n)
   order by r.n`;

const rate = fc.integer({ min: 0, max: 2_147_483_647 });
const rates = fc.record({
  hourly: fc.oneof(fc.integer({ min: 0, max: 5_000 }), rate),
  daily: fc.option(fc.oneof(fc.integer({ min: 0, max: 50_000 }), rate), { nil: null }),
  monthly: fc.option(fc.oneof(fc.integer({ min: 0, max: 500_000 }), rate), { nil: null }),
});
const duration = fc.oneof(
  fc.integer({ min: 1, max: 3 * 1440 }),
  fc.integer({ min: 27 * 1440, max: 32 * 1440 }),
  fc.integer({ min: 1, max: MAX_PRICED_MINUTES }),
);

describe("price bounds in SQL", () => {
  it("hold the domain's price between them, the lower one equal to it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rates, { minLength: 1, maxLength: 40 }), duration, async (list, minutes) => {
        const p = priceBoundParams(minutes);
        const { rows } = await t.deps.pool.query<{ low: string; high: string }>(BOUNDS, [
          list.map((r) => r.hourly),
          list.map((r) => r.daily),
          list.map((r) => r.monthly),
          p.fullDays,
          p.restMinutes,
          p.monthMinutes,
        ]);
        list.forEach((r, i) => {
          const price = BigInt(priceForDuration(r, minutes));
          const low = BigInt(rows[i]!.low);
          const high = BigInt(rows[i]!.high);
          expect(low).toBe(price);
          expect(high >= price).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe("stored stay-price keys", () => {
  it("equal the domain's price of their ladder length, and bound every longer window's price from below", async () => {
    const hostId = await insertUser(t.deps.pool, "price-keys-host");
    const resolutions = { map: t.config.H3_MAP_RESOLUTION, shard: t.config.H3_SHARD_RESOLUTION };
    await fc.assert(
      fc.asyncProperty(
        fc.array(rates, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: STAY_PRICE_LADDER[0], max: 31 * 1440 }),
        async (list, minutes) => {
          // Somewhere no other suite searches (the South Atlantic).
          const ids = await insertSpaces(
            t.deps.pool,
            list.map((r) => spaceSeed(hostId, -48.5, -30.5, r)),
            resolutions,
          );
          const { rows } = await t.deps.pool.query<Record<string, string>>(
            `select ${STAY_PRICE_LADDER.map((m) => `${stayPriceColumn(m)}::text`).join(", ")}
               from unnest($1::uuid[]) with ordinality as k (id, n)
               join parking_spaces s on s.id = k.id
              order by k.n`,
            [ids],
          );
          const step = ladderStepFor(minutes)!;
          list.forEach((r, i) => {
            for (const m of STAY_PRICE_LADDER) {
              expect(BigInt(rows[i]![stayPriceColumn(m)]!)).toBe(BigInt(priceForDuration(r, m)));
            }
            expect(Number(rows[i]![stayPriceColumn(step)])).toBeLessThanOrEqual(priceForDuration(r, minutes));
          });
          await t.deps.pool.query("delete from parking_spaces where id = any ($1::uuid[])", [ids]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
