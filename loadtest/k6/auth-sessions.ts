// k6 scenario: drivers sign up, log in, rotate refresh tokens and read their profile.
// Run: k6 run -e BASE_URL=http://localhost:3000 loadtest/k6/auth-sessions.ts
// (k6 ≥ 0.57 runs TypeScript directly.) The gateway must run with TRUST_PROXY=1 so that each
// virtual user's X-Forwarded-For address gets its own auth rate-limit bucket.
import { check, fail } from "k6";
import http from "k6/http";
import { Trend } from "k6/metrics";
import type { Options } from "k6/options";

const BASE_URL = __ENV.BASE_URL ?? "http://localhost:3000";
const loginTime = new Trend("login_ms", true);

export const options: Options = {
  scenarios: {
    sessions: {
      executor: "ramping-vus",
      startVUs: 0,
      stages: [
        { duration: "30s", target: 50 },
        { duration: "1m", target: 50 },
        { duration: "15s", target: 0 },
      ],
    },
  },
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{name:profile}": ["p(99)<50"],
    "http_req_duration{name:refresh}": ["p(99)<100"],
    login_ms: ["p(99)<400"],
  },
};

const json = (ip: string, token?: string) => ({
  headers: {
    "Content-Type": "application/json",
    "X-Forwarded-For": ip,
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
  },
});

export default function () {
  const ip = `10.${__VU % 256}.${Math.floor(__VU / 256) % 256}.${(__ITER % 250) + 1}`;
  const email = `k6-${__VU}-${__ITER}-${Date.now()}@load.parkealo.live`;
  const password = "load-test-password";

  const register = http.post(
    `${BASE_URL}/api/v1/auth/register`,
    JSON.stringify({ email, password, firstName: "Load", lastName: "Test", role: "driver" }),
    { ...json(ip), tags: { name: "register" } },
  );
  // Register answers 202 without tokens (the same for every address); the session comes from login.
  if (!check(register, { "register 202": (r) => r.status === 202 })) fail(`register ${register.status}`);

  const login = http.post(`${BASE_URL}/api/v1/auth/login`, JSON.stringify({ email, password }), {
    ...json(ip),
    tags: { name: "login" },
  });
  check(login, { "login 200": (r) => r.status === 200 });
  loginTime.add(login.timings.duration);
  const session = login.json() as { accessToken: string; refreshToken: string };

  let refreshToken = session.refreshToken;
  let accessToken = session.accessToken;
  for (let i = 0; i < 3; i++) {
    const profile = http.get(`${BASE_URL}/api/v1/users/profile`, {
      ...json(ip, accessToken),
      tags: { name: "profile" },
    });
    check(profile, { "profile 200": (r) => r.status === 200 });
    const refreshed = http.post(`${BASE_URL}/api/v1/auth/refresh`, JSON.stringify({ refreshToken }), {
      ...json(ip),
      tags: { name: "refresh" },
    });
    check(refreshed, { "refresh 200": (r) => r.status === 200 });
    const next = refreshed.json() as { accessToken: string; refreshToken: string };
    refreshToken = next.refreshToken;
    accessToken = next.accessToken;
  }
}
