// Email verification and password reset, followed through the mail the SMTP server received, like a
// user would. The mails go out after the answer (background tasks), so each check first waits for those.
import { describe, expect, it } from "vitest";
import { createTestApp, uniqueEmail } from "../support/test-app.ts";
import { linkIn, testInbox } from "../support/test-inbox.ts";

const t = createTestApp();
const inbox = testInbox();

/** Every mail the address holds once the app's background sends are done. */
async function mailsTo(email: string) {
  await t.deps.background.drain();
  return inbox.list(email);
}

async function latestLink(email: string, subject: RegExp) {
  const [mail] = await inbox.waitFor(email, { subject });
  return linkIn(mail!, t.config.PUBLIC_URL);
}

describe("email verification", () => {
  it("register mails a link that verifies the address once", async () => {
    const { client, email } = await t.signUp();
    expect((await client.get("/api/v1/users/profile")).body.emailVerified).toBe(false);
    const link = await latestLink(email, /confirm/i);
    const verified = await t.client().get(`${link.pathname}${link.search}`);
    expect(verified.status).toBe(200);
    expect((await client.get("/api/v1/users/profile")).body.emailVerified).toBe(true);
    const again = await t.client().get(`${link.pathname}${link.search}`);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe("invalid_token");
  });

  it("resend answers 202 for unknown addresses too (no account probing) and mails known ones", async () => {
    const nobody = uniqueEmail();
    const unknown = await t.client().post("/api/v1/auth/resend-verification", { email: nobody });
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual({ status: "accepted" });
    expect(await mailsTo(nobody)).toEqual([]);
    const { email } = await t.signUp();
    const res = await t.client().post("/api/v1/auth/resend-verification", { email });
    expect(res.status).toBe(202);
    expect(await inbox.waitFor(email, { subject: /confirm/i, count: 2 })).toHaveLength(2);
  });
});

describe("password reset", () => {
  it("resets through the mailed link, ends old sessions, and the link works once", async () => {
    const { email, password, session } = await t.signUp();
    expect((await t.client().post("/api/v1/auth/forgot-password", { email })).status).toBe(202);
    const link = await latestLink(email, /reset/i);
    const token = link.searchParams.get("token");
    expect(token).toBeTruthy();

    const reset = await t
      .client()
      .post("/api/v1/auth/reset-password", { token, password: "a-brand-new-password" });
    expect(reset.status).toBe(200);

    expect((await t.client().post("/api/v1/auth/login", { email, password })).status).toBe(401);
    expect(
      (await t.client().post("/api/v1/auth/login", { email, password: "a-brand-new-password" })).status,
    ).toBe(200);
    // Sessions opened before the reset are over.
    expect(
      (await t.client().post("/api/v1/auth/refresh", { refreshToken: session.refreshToken })).status,
    ).toBe(401);

    const reuse = await t
      .client()
      .post("/api/v1/auth/reset-password", { token, password: "yet-another-password" });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error.code).toBe("invalid_token");
  });

  it("forgot-password answers 202 for an unknown address and sends nothing", async () => {
    const email = uniqueEmail();
    expect((await t.client().post("/api/v1/auth/forgot-password", { email })).status).toBe(202);
    expect(await mailsTo(email)).toEqual([]);
  });

  it("refuses a made-up token and a weak new password", async () => {
    const bad = await t
      .client()
      .post("/api/v1/auth/reset-password", { token: "nope", password: "long-enough-pw" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_token");
    const weak = await t.client().post("/api/v1/auth/reset-password", { token: "nope", password: "short" });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe("validation_failed");
  });
});
