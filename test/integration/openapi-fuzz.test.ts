// Every operation of the OpenAPI document the app serves, sent generated bad input (fast-check): bad
// path ids, query values, bodies, Idempotency-Keys and tokens, with a valid admin token where the
// operation asks for one. Each answer must be a 4xx with the error shape, never a 5xx, and nothing may
// be written (row counts of every table unchanged, in a database of this file's own).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type BadRequest,
  badRequests,
  type Operation,
  operationsOf,
  type Plausible,
} from "../support/bad-input-arbitraries.ts";
import { allWeek, window } from "../support/booking-fixtures.ts";
import { ledgerCounts } from "../support/ledger-counts.ts";
import { useScratchDatabase } from "../support/scratch-database.ts";
import { hostWithSpace, insertBooking, signUpAdmin, validSpaceBody } from "../support/space-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { createTestApp, expectErrorShape, randomIp } from "../support/test-app.ts";

const database = useScratchDatabase("openapi_fuzz", 4);
const t = createTestApp({
  DATABASE_URL: database.url,
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "4",
  AUTH_RATE_PER_IP_PER_MINUTE: "100000",
  // Bad input must meet the checks behind the booking limits, not a 429 in front of them.
  BOOKING_COMMANDS_PER_MINUTE: "1000000",
  BOOKING_PENDING_PER_DRIVER: "10000",
});
/** Runs per target (path parameter, query parameter, body, Idempotency-Key, token) of each operation. */
const RUNS_PER_TARGET = 40;

let operations: Operation[] = [];
const plausible: Plausible = { uuids: [], tokens: [], bodies: {}, queries: {} };

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool);
  const admin = await signUpAdmin(t);
  const { host, spaceId } = await hostWithSpace(t);
  const bookingId = await insertBooking(t, spaceId, admin.userId, {
    status: "pending_approval",
    startsInHours: 48,
    hours: 2,
  });
  plausible.uuids.push(admin.userId, host.userId, spaceId, bookingId);
  // Mostly the admin's token, which passes every role check and so reaches validation everywhere.
  const hostToken = await t.deps.accessTokens.sign({ userId: host.userId, roles: ["driver", "host"] });
  plausible.tokens.push(admin.token, admin.token, admin.token, hostToken);
  const email = () => `someone-${Math.random().toString(36).slice(2)}@fuzz.test.parkealo.live`;
  const stay = () => window(24 * 30, 2);
  const searchFields = () => ({ lat: 40.4169, lng: -3.7035, radiusM: 500, ...stay() });
  plausible.bodies = {
    register: () => ({
      email: email(),
      password: "a-long-password",
      firstName: "A",
      lastName: "B",
      role: "driver",
    }),
    login: () => ({ email: email(), password: "a-long-password" }),
    refreshSession: () => ({ refreshToken: "r".repeat(43) }),
    logout: () => ({ refreshToken: "r".repeat(43) }),
    forgotPassword: () => ({ email: email() }),
    resendVerification: () => ({ email: email() }),
    resetPassword: () => ({ token: "t".repeat(43), password: "a-long-password" }),
    updateProfile: () => ({ firstName: "Ana", bio: "parks a lot" }),
    setPreferences: () => ({
      marketingEmails: false,
      language: "es",
      currency: "EUR",
      timezone: "Europe/Madrid",
    }),
    setUserRoles: () => ({ roles: ["driver"] }),
    setNotificationPreferences: () => ({
      booking_started: { email: true },
      booking_cancelled: { push: false },
    }),
    createSpace: () => validSpaceBody(),
    updateSpace: () => ({ title: "Renamed garage" }),
    setSpaceAvailability: () => ({ schedule: allWeek }),
    searchSpacesByBody: searchFields,
    createBooking: () => ({ spaceId, ...stay() }),
    approveBooking: () => ({ reason: "see you" }),
    rejectBooking: () => ({ reason: "closed" }),
    cancelBooking: () => ({ reason: "plans changed" }),
    extendBooking: () => ({ end: window(24 * 30 + 4, 1).end }),
    createPayout: () => ({ amount: 500, currency: "EUR" }),
    receiveStripeEvent: () => ({
      id: "evt_fuzz",
      object: "event",
      type: "account.updated",
      data: { object: { id: "acct_fuzz" } },
    }),
  };
  const text = (fields: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]));
  plausible.queries = {
    verifyEmail: () => ({ token: "t".repeat(43) }),
    listMySpaces: () => ({ limit: "5" }),
    getSpaceAvailability: () => ({ from: stay().start }),
    searchSpaces: () => text(searchFields()),
    searchNearby: () => ({ lat: "40.4169", lng: "-3.7035" }),
    searchSuggestions: () => ({ q: "Madrid" }),
    popularPlaces: () => ({ days: "7" }),
    listMyBookings: () => ({ limit: "5" }),
    listUserBookings: () => ({ limit: "5" }),
    listSpaceBookings: () => ({ limit: "5" }),
    listPayouts: () => ({ limit: "5" }),
    listNotifications: () => ({ limit: "5", unread: "true" }),
    unsubscribeNotificationEmail: () => ({ token: `${"t".repeat(43)}.${"s".repeat(43)}` }),
  };
  const document = await (await t.app.request("/openapi.json")).json();
  operations = operationsOf(document);
});

let sent = 0;

async function send(request: BadRequest) {
  sent += 1;
  const url = new URL(`http://fuzz${request.path}`);
  for (const [name, value] of request.query) url.searchParams.append(name, value);
  const response = await t.app.request(`${url.pathname}${url.search}`, {
    method: request.method,
    headers: { "x-forwarded-for": randomIp(), ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the shape check below says so
  }
  return { status: response.status, body };
}

describe("every operation of /openapi.json refuses bad input", () => {
  it("answers 4xx with the error shape, never 5xx, and writes nothing", async () => {
    expect(operations.length).toBeGreaterThan(30);
    const fuzzed: string[] = [];
    const skipped: string[] = [];
    const failures: string[] = [];
    for (const op of operations) {
      const cases = badRequests(op, plausible);
      if (cases.size === 0) {
        skipped.push(`${op.method} ${op.path}`);
        continue;
      }
      const before = await ledgerCounts(t.deps.pool);
      for (const [target, arbitrary] of cases) {
        await fc
          .assert(
            fc.asyncProperty(arbitrary, async (request) => {
              const res = await send(request);
              const refused = res.status >= 400 && res.status < 500;
              let shaped = true;
              try {
                expectErrorShape(res.body);
              } catch {
                shaped = false;
              }
              if (refused && shaped) return true;
              failures.push(
                `${op.operationId} (${target}) ${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.query).slice(0, 120)} ${String(request.body).slice(0, 120)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`,
              );
              return false;
            }),
            { numRuns: RUNS_PER_TARGET, endOnFailure: true },
          )
          .catch(() => {
            // The failure is recorded above; go on with the other targets and operations.
          });
      }
      const after = await ledgerCounts(t.deps.pool);
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        failures.push(`${op.operationId} wrote: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
      }
      fuzzed.push(op.operationId);
    }
    console.log(
      `[openapi-fuzz] ${fuzzed.length} of ${operations.length} operations fuzzed (${sent} requests)`,
    );
    expect(skipped).toEqual([]);
    expect(failures).toEqual([]);
    expect(fuzzed).toHaveLength(operations.length);
  }, 120_000);
});
