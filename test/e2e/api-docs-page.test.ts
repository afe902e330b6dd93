// The API docs page (/docs, Swagger UI) in a real browser (Debian's chromium, headless, through
// playwright-core) against a gateway process: it renders the OpenAPI spec's operations under the
// gateway's Content-Security-Policy with no violation and no script error.
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromiumBinary } from "../../devstack/system-packages.ts";
import { recordCspViolations } from "../support/csp-violations.ts";
import { type GatewayProcess, startGateways } from "../support/gateway-processes.ts";

let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const executablePath = chromiumBinary();
  [gateway] = (await startGateways(1, {})) as [GatewayProcess];
  browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.process.stop("SIGTERM", 5000);
});

it("renders the spec's operations under its CSP, with no violation and no script error", async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  const cspViolations = await recordCspViolations(page);
  const loaded = await page.goto(`${gateway.url}/docs`);
  expect(loaded?.headers()["content-security-policy"]).toContain("script-src 'self'");

  await page.waitForSelector(".swagger-ui .info .title", { timeout: 15_000 });
  expect(await page.textContent(".swagger-ui .info .title")).toContain("Parkealo live API");
  await page.waitForSelector(".opblock", { timeout: 15_000 });
  expect(await page.locator(".opblock").count()).toBeGreaterThan(10);

  // "Try it out" reaches the API from the page (connect-src): an operation answers inside the page.
  const popular = page.locator(".opblock-summary-path", { hasText: "/api/v1/search/popular" }).first();
  await popular.click();
  await page.locator(".try-out__btn").first().click();
  await page.locator(".execute").first().click();
  const status = page.locator(".live-responses-table tbody .response-col_status").first();
  await status.waitFor({ timeout: 15_000 });
  expect(await status.textContent()).toMatch(/^\s*200\b/);

  expect(errors).toEqual([]);
  expect(await cspViolations()).toEqual([]);
});
