// Records in a real browser page every Content-Security-Policy violation (a script, style, image or
// connection the page's policy blocked), so browser tests can assert their page works under its CSP.
import type { Page } from "playwright-core";

/** Call before `page.goto`; the returned function lists the violations seen so far. */
export async function recordCspViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as any).cspViolations = seen;
    (globalThis as any).document.addEventListener("securitypolicyviolation", (event: any) =>
      seen.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`),
    );
  });
  return () => page.evaluate(() => [...((globalThis as any).cspViolations ?? [])] as string[]);
}
