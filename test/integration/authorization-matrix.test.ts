// Who may call what, as one table: every operation of /openapi.json × anonymous, driver (the
// booking's), other driver, host (the space's owner), other host and admin → the status class each
// gets. Cells that change something work on a resource of their own (a fresh booking, space, image
// or account), so no cell depends on another. The table must name every operation the app serves.
// Payment rows run on a second app of the same database and secret with payments on, where the
// host, the other host and the admin hold onboarded Stripe accounts.
import { beforeAll, describe, expect, it } from "vitest";
import { unsubscribeToken } from "../../src/notifications/unsubscribe-links.ts";
import { allWeek, window } from "../support/booking-fixtures.ts";
import { objectStorageDir, pngBytes, uploadFile, validSpaceBody } from "../support/space-fixtures.ts";
import { actorPrefix, startSpaceHost } from "../support/space-host.ts";
import { type SqlAccount, sqlAccount } from "../support/sql-accounts.ts";
import { testStripe } from "../support/stripe-server.ts";
import { followOnboardingLink } from "../support/stripe-webhooks.ts";
import { createTestApp, uniqueEmail } from "../support/test-app.ts";

const t = createTestApp({
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "4",
  AUTH_RATE_PER_IP_PER_MINUTE: "100000",
  OBJECT_STORAGE_DIR: objectStorageDir(),
});
const stripe = testStripe();
const paid = createTestApp({
  PAYMENTS_ENABLED: "true",
  STRIPE_SECRET_KEY: stripe.key,
  ACTOR_KEY_PREFIX: actorPrefix(),
  ACTOR_SHARD_COUNT: "4",
  AUTH_RATE_PER_IP_PER_MINUTE: "100000",
});

const ACTORS = ["anonymous", "driver", "otherDriver", "host", "otherHost", "admin"] as const;
type Actor = (typeof ACTORS)[number];
/** "2xx", or the exact refusal. */
type Expected = "2xx" | 400 | 401 | 403 | 404;

interface World {
  people: Record<Exclude<Actor, "anonymous">, SqlAccount>;
  requestSpaceId: string;
  instantSpaceId: string;
  pendingBookingId: string;
  imageId: string;
  login: { email: string; password: string };
  /** A payout of `host`'s. */
  payoutId: string;
  /** A paid space of `host`'s (on the app with payments on). */
  paidSpaceId: string;
  /** A confirmed booking of `driver`'s on it, paid and captured. */
  paidBookingId: string;
  paymentId: string;
  /** An in-app notification of `driver`'s. */
  notificationId: string;
}

interface Call {
  method: string;
  path: string;
  json?: unknown;
  upload?: true;
}

interface Row {
  /** The operation, as the document names it (METHOD + path template). */
  operation: string;
  /** The request one cell sends as `actor`; may make what it changes first. */
  call(world: World, actor: Actor): Call | Promise<Call>;
  expect: Record<Actor, Expected>;
  /**
   * The cell's driver is a fresh account: cells that book stay clear of per-driver limits (request
   * rate, pending requests) however many cells run.
   */
  freshDriver?: true;
  /** Sent to the app with payments on. */
  payments?: true;
}

const everyone = (expected: Expected): Record<Actor, Expected> =>
  Object.fromEntries(ACTORS.map((a) => [a, expected])) as Record<Actor, Expected>;
const signedIn: Record<Actor, Expected> = { ...everyone("2xx"), anonymous: 401 };
const hostsOnly: Record<Actor, Expected> = {
  anonymous: 401,
  driver: 403,
  otherDriver: 403,
  host: "2xx",
  otherHost: "2xx",
  admin: "2xx",
};
const spaceOwner: Record<Actor, Expected> = { ...hostsOnly, otherHost: 403 };

let hour = 0;
/** A window no other cell uses. */
const freshWindow = () => {
  hour += 3;
  return window(hour, 2);
};

async function createSpace(host: SqlAccount, bookingMode: "instant" | "request") {
  const res = await host.client.post(
    "/api/v1/spaces",
    validSpaceBody({
      timezone: "UTC",
      schedule: allWeek,
      bufferMinutes: 0,
      minNoticeMinutes: 30,
      bookingMode,
      pricing: { currency: "EUR", hourly: 300, daily: null, monthly: null },
    }),
  );
  if (res.status !== 201) throw new Error(`space: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function book(driver: SqlAccount, spaceId: string) {
  const res = await driver.client.post("/api/v1/bookings", { spaceId, ...freshWindow() });
  if (res.status !== 201) throw new Error(`booking: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A booking of `driver`'s on the paid space, waiting for payment. */
async function bookPaid(w: World) {
  const client = paid.client();
  client.setToken(w.people.driver.token);
  const res = await client.post("/api/v1/bookings", { spaceId: w.paidSpaceId, ...freshWindow() });
  if (res.body?.status !== "awaiting_payment") throw new Error(`paid booking: ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function uploadImage(world: World, spaceId: string) {
  const res = await uploadFile(t, world.people.host.token, `/api/v1/spaces/${spaceId}/images`, {
    bytes: pngBytes(),
    type: "image/png",
  });
  if (res.status !== 201) throw new Error(`image: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

async function refreshToken(world: World) {
  const res = await t.client().post("/api/v1/auth/login", world.login);
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.refreshToken as string;
}

const roleOf: Record<Exclude<Actor, "anonymous">, Parameters<typeof sqlAccount>[1]> = {
  driver: ["driver"],
  otherDriver: ["driver"],
  host: ["driver", "host"],
  otherHost: ["driver", "host"],
  admin: ["driver", "admin"],
};

const future = () => freshWindow();
const search = () => ({ lat: 40.4169, lng: -3.7035, radiusM: 500, ...future() });
const query = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

const table: Row[] = [
  // Accounts: open to everyone; a token sent changes nothing.
  {
    operation: "POST /api/v1/auth/register",
    call: () => ({
      method: "POST",
      path: "/api/v1/auth/register",
      json: {
        email: uniqueEmail(),
        password: "a-long-password",
        firstName: "A",
        lastName: "B",
        role: "driver",
      },
    }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/auth/login",
    call: (w) => ({ method: "POST", path: "/api/v1/auth/login", json: w.login }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/auth/refresh",
    call: async (w) => ({
      method: "POST",
      path: "/api/v1/auth/refresh",
      json: { refreshToken: await refreshToken(w) },
    }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/auth/logout",
    call: async (w) => ({
      method: "POST",
      path: "/api/v1/auth/logout",
      json: { refreshToken: await refreshToken(w) },
    }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/auth/forgot-password",
    call: (w) => ({ method: "POST", path: "/api/v1/auth/forgot-password", json: { email: w.login.email } }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/auth/resend-verification",
    call: (w) => ({
      method: "POST",
      path: "/api/v1/auth/resend-verification",
      json: { email: w.login.email },
    }),
    expect: everyone("2xx"),
  },
  // A mailed token decides these, not who calls: an unknown token is the same 400 for everyone.
  {
    operation: "POST /api/v1/auth/reset-password",
    call: () => ({
      method: "POST",
      path: "/api/v1/auth/reset-password",
      json: { token: "not-a-mailed-token", password: "another-long-password" },
    }),
    expect: everyone(400),
  },
  {
    operation: "GET /api/v1/auth/verify-email",
    call: () => ({ method: "GET", path: "/api/v1/auth/verify-email?token=not-a-mailed-token" }),
    expect: everyone(400),
  },
  // Users.
  {
    operation: "GET /api/v1/users/profile",
    call: () => ({ method: "GET", path: "/api/v1/users/profile" }),
    expect: signedIn,
  },
  {
    operation: "PUT /api/v1/users/profile",
    call: () => ({ method: "PUT", path: "/api/v1/users/profile", json: { bio: "parks a lot" } }),
    expect: signedIn,
  },
  {
    operation: "GET /api/v1/users/preferences",
    call: () => ({ method: "GET", path: "/api/v1/users/preferences" }),
    expect: signedIn,
  },
  {
    operation: "POST /api/v1/users/preferences",
    call: () => ({ method: "POST", path: "/api/v1/users/preferences", json: { marketingEmails: false } }),
    expect: signedIn,
  },
  {
    // Changes the caller's roles: each cell acts as a fresh account of its kind (see run()).
    operation: "POST /api/v1/users/become-host",
    call: () => ({ method: "POST", path: "/api/v1/users/become-host" }),
    expect: signedIn,
  },
  {
    operation: "GET /api/v1/users/{userId}",
    call: (w) => ({ method: "GET", path: `/api/v1/users/${w.people.host.userId}` }),
    expect: everyone("2xx"),
  },
  {
    operation: "PUT /api/v1/admin/users/{userId}/roles",
    call: async () => ({
      method: "PUT",
      path: `/api/v1/admin/users/${(await sqlAccount(t, ["driver"], "roles-target")).userId}/roles`,
      json: { roles: ["driver", "host"] },
    }),
    expect: { ...everyone(403), anonymous: 401, admin: "2xx" },
  },
  // Spaces.
  {
    operation: "POST /api/v1/spaces",
    call: () => ({
      method: "POST",
      path: "/api/v1/spaces",
      json: validSpaceBody({ location: { lat: 28.1, lng: -15.43 } }),
    }),
    expect: hostsOnly,
  },
  {
    operation: "GET /api/v1/spaces",
    call: () => ({ method: "GET", path: "/api/v1/spaces" }),
    expect: hostsOnly,
  },
  {
    operation: "GET /api/v1/spaces/{id}",
    call: (w) => ({ method: "GET", path: `/api/v1/spaces/${w.requestSpaceId}` }),
    expect: everyone("2xx"),
  },
  {
    operation: "PUT /api/v1/spaces/{id}",
    call: (w) => ({ method: "PUT", path: `/api/v1/spaces/${w.requestSpaceId}`, json: { title: "Renamed" } }),
    expect: spaceOwner,
  },
  {
    operation: "DELETE /api/v1/spaces/{id}",
    call: async (w) => ({
      method: "DELETE",
      path: `/api/v1/spaces/${await createSpace(w.people.host, "instant")}`,
    }),
    expect: spaceOwner,
  },
  {
    operation: "POST /api/v1/spaces/{id}/images",
    call: (w) => ({ method: "POST", path: `/api/v1/spaces/${w.instantSpaceId}/images`, upload: true }),
    expect: spaceOwner,
  },
  {
    operation: "GET /api/v1/spaces/{id}/images/{imageId}",
    call: (w) => ({ method: "GET", path: `/api/v1/spaces/${w.instantSpaceId}/images/${w.imageId}` }),
    expect: everyone("2xx"),
  },
  {
    operation: "DELETE /api/v1/spaces/{id}/images/{imageId}",
    call: async (w) => ({
      method: "DELETE",
      path: `/api/v1/spaces/${w.instantSpaceId}/images/${await uploadImage(w, w.instantSpaceId)}`,
    }),
    expect: spaceOwner,
  },
  {
    operation: "POST /api/v1/spaces/{id}/availability",
    call: (w) => ({
      method: "POST",
      path: `/api/v1/spaces/${w.requestSpaceId}/availability`,
      json: { schedule: allWeek },
    }),
    expect: spaceOwner,
  },
  {
    operation: "GET /api/v1/spaces/{id}/availability",
    call: (w) => ({ method: "GET", path: `/api/v1/spaces/${w.requestSpaceId}/availability` }),
    expect: everyone("2xx"),
  },
  {
    operation: "GET /api/v1/spaces/{id}/bookings",
    call: (w) => ({ method: "GET", path: `/api/v1/spaces/${w.requestSpaceId}/bookings` }),
    expect: spaceOwner,
  },
  // Search: public.
  {
    operation: "GET /api/v1/search/spaces",
    call: () => ({ method: "GET", path: `/api/v1/search/spaces?${query(search())}` }),
    expect: everyone("2xx"),
  },
  {
    operation: "POST /api/v1/search/spaces",
    call: () => ({ method: "POST", path: "/api/v1/search/spaces", json: search() }),
    expect: everyone("2xx"),
  },
  {
    operation: "GET /api/v1/search/nearby",
    call: () => ({ method: "GET", path: "/api/v1/search/nearby?lat=40.4169&lng=-3.7035" }),
    expect: everyone("2xx"),
  },
  {
    operation: "GET /api/v1/search/suggestions",
    call: () => ({ method: "GET", path: "/api/v1/search/suggestions?q=Madrid" }),
    expect: everyone("2xx"),
  },
  {
    operation: "GET /api/v1/search/popular",
    call: () => ({ method: "GET", path: "/api/v1/search/popular" }),
    expect: everyone("2xx"),
  },
  // Bookings.
  {
    operation: "POST /api/v1/bookings",
    freshDriver: true,
    call: (w) => ({
      method: "POST",
      path: "/api/v1/bookings",
      json: { spaceId: w.instantSpaceId, ...freshWindow() },
    }),
    expect: signedIn,
  },
  {
    operation: "GET /api/v1/bookings",
    call: () => ({ method: "GET", path: "/api/v1/bookings" }),
    expect: signedIn,
  },
  {
    operation: "GET /api/v1/users/{userId}/bookings",
    call: (w) => ({ method: "GET", path: `/api/v1/users/${w.people.driver.userId}/bookings` }),
    expect: { ...everyone(403), anonymous: 401, driver: "2xx", admin: "2xx" },
  },
  {
    operation: "GET /api/v1/bookings/{id}",
    call: (w) => ({ method: "GET", path: `/api/v1/bookings/${w.pendingBookingId}` }),
    expect: { anonymous: 401, driver: "2xx", otherDriver: 403, host: "2xx", otherHost: 403, admin: "2xx" },
  },
  {
    operation: "PUT /api/v1/bookings/{id}/approve",
    freshDriver: true,
    call: async (w) => ({
      method: "PUT",
      path: `/api/v1/bookings/${await book(w.people.driver, w.requestSpaceId)}/approve`,
    }),
    expect: { ...everyone(403), anonymous: 401, host: "2xx" },
  },
  {
    operation: "PUT /api/v1/bookings/{id}/reject",
    freshDriver: true,
    call: async (w) => ({
      method: "PUT",
      path: `/api/v1/bookings/${await book(w.people.driver, w.requestSpaceId)}/reject`,
      json: { reason: "closed that day" },
    }),
    expect: { ...everyone(403), anonymous: 401, host: "2xx" },
  },
  {
    operation: "PUT /api/v1/bookings/{id}/cancel",
    freshDriver: true,
    call: async (w) => ({
      method: "PUT",
      path: `/api/v1/bookings/${await book(w.people.driver, w.requestSpaceId)}/cancel`,
    }),
    expect: { ...everyone(403), anonymous: 401, driver: "2xx", host: "2xx" },
  },
  {
    operation: "PUT /api/v1/bookings/{id}/extend",
    freshDriver: true,
    call: async (w) => {
      const id = await book(w.people.driver, w.instantSpaceId);
      const { end } = (await w.people.driver.client.get(`/api/v1/bookings/${id}`)).body;
      return {
        method: "PUT",
        path: `/api/v1/bookings/${id}/extend`,
        json: { end: new Date(Date.parse(end) + 3_600_000).toISOString() },
      };
    },
    expect: { ...everyone(403), anonymous: 401, driver: "2xx" },
  },
  // Payments (the app with payments on).
  {
    operation: "POST /api/v1/hosts/me/payment-account",
    payments: true,
    call: () => ({ method: "POST", path: "/api/v1/hosts/me/payment-account" }),
    expect: hostsOnly,
  },
  {
    operation: "GET /api/v1/hosts/me/payment-account",
    payments: true,
    call: () => ({ method: "GET", path: "/api/v1/hosts/me/payment-account" }),
    expect: hostsOnly,
  },
  {
    operation: "POST /api/v1/payouts",
    payments: true,
    call: () => ({ method: "POST", path: "/api/v1/payouts", json: { amount: 100, currency: "EUR" } }),
    expect: hostsOnly,
  },
  {
    operation: "GET /api/v1/payouts",
    payments: true,
    call: () => ({ method: "GET", path: "/api/v1/payouts" }),
    expect: hostsOnly,
  },
  {
    operation: "GET /api/v1/payouts/{id}",
    payments: true,
    call: (w) => ({ method: "GET", path: `/api/v1/payouts/${w.payoutId}` }),
    expect: { ...hostsOnly, otherHost: 404 },
  },
  {
    operation: "POST /api/v1/payments/process",
    payments: true,
    freshDriver: true,
    call: async (w) => ({
      method: "POST",
      path: "/api/v1/payments/process",
      json: { bookingId: await bookPaid(w), paymentMethodId: "pm_card_visa" },
    }),
    // Everyone signed in is a driver here; someone else's booking is as absent as a missing one.
    expect: { ...everyone(404), anonymous: 401, driver: "2xx" },
  },
  {
    operation: "GET /api/v1/payments/{id}",
    payments: true,
    call: (w) => ({ method: "GET", path: `/api/v1/payments/${w.paymentId}` }),
    expect: { anonymous: 401, driver: "2xx", otherDriver: 404, host: "2xx", otherHost: 404, admin: "2xx" },
  },
  {
    operation: "POST /api/v1/payments/{id}/refund",
    payments: true,
    call: (w) => ({
      method: "POST",
      path: `/api/v1/payments/${w.paymentId}/refund`,
      json: { amount: 1, reason: "goodwill" },
    }),
    expect: { ...everyone(403), anonymous: 401, admin: "2xx" },
  },
  {
    operation: "GET /api/v1/payments/user/{userId}",
    payments: true,
    call: (w) => ({ method: "GET", path: `/api/v1/payments/user/${w.people.driver.userId}` }),
    expect: { ...everyone(403), anonymous: 401, driver: "2xx", admin: "2xx" },
  },
  {
    operation: "GET /api/v1/commissions/{bookingId}",
    payments: true,
    call: (w) => ({ method: "GET", path: `/api/v1/commissions/${w.paidBookingId}` }),
    expect: { ...everyone(404), anonymous: 401, host: "2xx", admin: "2xx" },
  },
  // Stripe's signature decides, not who calls: an unsigned event is the same 400 for everyone.
  {
    operation: "POST /api/v1/webhooks/stripe",
    payments: true,
    call: () => ({
      method: "POST",
      path: "/api/v1/webhooks/stripe",
      json: { id: "evt_unsigned", object: "event", type: "account.updated", data: { object: {} } },
    }),
    expect: everyone(400),
  },
  // Notifications: each user's own; another's notification is not found.
  {
    operation: "GET /api/v1/notifications",
    call: () => ({ method: "GET", path: "/api/v1/notifications" }),
    expect: signedIn,
  },
  {
    operation: "POST /api/v1/notifications/{id}/read",
    call: (w) => ({ method: "POST", path: `/api/v1/notifications/${w.notificationId}/read` }),
    expect: { ...everyone(404), anonymous: 401, driver: "2xx" },
  },
  {
    operation: "GET /api/v1/notifications/preferences",
    call: () => ({ method: "GET", path: "/api/v1/notifications/preferences" }),
    expect: signedIn,
  },
  {
    operation: "PUT /api/v1/notifications/preferences",
    call: () => ({
      method: "PUT",
      path: "/api/v1/notifications/preferences",
      json: { booking_started: { email: true } },
    }),
    expect: signedIn,
  },
  // The mailed token decides, not who calls: a valid one works for everyone.
  {
    operation: "POST /api/v1/notifications/unsubscribe",
    call: (w) => ({
      method: "POST",
      path: `/api/v1/notifications/unsubscribe?token=${unsubscribeToken(t.config.JWT_SECRET, w.people.driver.userId, "booking_completed")}`,
    }),
    expect: everyone("2xx"),
  },
];

/** Onboards the account's Stripe account on the app with payments on (the second POST reads it ready). */
async function onboard(person: SqlAccount) {
  const client = paid.client();
  client.setToken(person.token);
  const first = await client.post("/api/v1/hosts/me/payment-account");
  await followOnboardingLink(first.body.onboardingUrl);
  const again = await client.post("/api/v1/hosts/me/payment-account");
  if (again.body.account?.status !== "ready") throw new Error(`onboarding: ${JSON.stringify(again.body)}`);
  return client;
}

let world: World;

beforeAll(async () => {
  await startSpaceHost(t.config, t.deps.pool);
  await startSpaceHost(paid.config, paid.deps.pool, "matrix-paid-space-host");
  const people = {
    driver: await sqlAccount(t, roleOf.driver, "driver"),
    otherDriver: await sqlAccount(t, roleOf.otherDriver, "other-driver"),
    host: await sqlAccount(t, roleOf.host, "host"),
    otherHost: await sqlAccount(t, roleOf.otherHost, "other-host"),
    admin: await sqlAccount(t, roleOf.admin, "admin"),
  };
  const requestSpaceId = await createSpace(people.host, "request");
  const instantSpaceId = await createSpace(people.host, "instant");
  const login = { email: uniqueEmail("login"), password: "a-long-test-password" };
  const registered = await t
    .client()
    .post("/api/v1/auth/register", { ...login, firstName: "Log", lastName: "In", role: "driver" });
  if (registered.status >= 300) throw new Error(`register: ${registered.status}`);
  world = {
    people,
    requestSpaceId,
    instantSpaceId,
    pendingBookingId: await book(people.driver, requestSpaceId),
    imageId: "",
    login,
    payoutId: "",
    paidSpaceId: "",
    paidBookingId: "",
    paymentId: "",
    notificationId: "",
  };
  const notification = await t.deps.pool.query<{ id: string }>(
    `insert into notifications (event_id, user_id, channel, kind, language, status, subject, body, sent_at)
     values (0, $1, 'in_app', 'booking_confirmed', 'en', 'sent', 'Confirmed', 'Your booking is confirmed', now())
     returning id`,
    [people.driver.userId],
  );
  world.notificationId = notification.rows[0]!.id;
  world.imageId = await uploadImage(world, instantSpaceId);
  const [hostPayments] = await Promise.all([people.host, people.otherHost, people.admin].map(onboard));
  const payout = await hostPayments!.post("/api/v1/payouts", { amount: 100, currency: "EUR" });
  if (payout.status !== 201) throw new Error(`payout: ${payout.status} ${JSON.stringify(payout.body)}`);
  world.payoutId = payout.body.id;
  const space = await hostPayments!.post(
    "/api/v1/spaces",
    validSpaceBody({ timezone: "UTC", schedule: allWeek, bufferMinutes: 0, minNoticeMinutes: 30 }),
  );
  if (space.status !== 201) throw new Error(`paid space: ${space.status} ${JSON.stringify(space.body)}`);
  world.paidSpaceId = space.body.id;
  world.paidBookingId = await bookPaid(world);
  const driverPays = paid.client();
  driverPays.setToken(people.driver.token);
  const payment = await driverPays.post("/api/v1/payments/process", {
    bookingId: world.paidBookingId,
    paymentMethodId: "pm_card_visa",
  });
  if (payment.body?.status !== "captured") throw new Error(`payment: ${JSON.stringify(payment.body)}`);
  world.paymentId = payment.body.id;
});

async function run(row: Row, actor: Actor): Promise<number> {
  const cell: World = row.freshDriver
    ? { ...world, people: { ...world.people, driver: await sqlAccount(t, roleOf.driver, "driver") } }
    : world;
  const person =
    actor === "anonymous"
      ? undefined
      : row.operation === "POST /api/v1/users/become-host"
        ? await sqlAccount(t, roleOf[actor], actor)
        : cell.people[actor];
  const call = await row.call(cell, actor);
  if (call.upload) {
    const res = await uploadFile(t, person?.token, call.path, { bytes: pngBytes(), type: "image/png" });
    return res.status;
  }
  const client = row.payments ? paid.client() : (person?.client ?? t.client());
  if (row.payments) client.setToken(person?.token);
  const res = await client.call(call.method, call.path, call.json === undefined ? {} : { json: call.json });
  return res.status;
}

const classOf = (status: number): Expected | number => (status >= 200 && status < 300 ? "2xx" : status);

describe("authorization matrix", () => {
  it("names every operation the app serves", async () => {
    const document: any = await (await t.app.request("/openapi.json")).json();
    const served = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => ["get", "post", "put", "patch", "delete"].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(table.map((row) => row.operation).sort()).toEqual(served.sort());
  });

  it.each(table.map((row) => [row.operation, row] as const))("%s", async (_operation, row) => {
    const seen: Record<string, Expected | number> = {};
    for (const actor of ACTORS) seen[actor] = classOf(await run(row, actor));
    expect(seen).toEqual(row.expect);
  });
});
