// The SMTP mailer against the dev inbox `npm test` runs, over real SMTP: what a recipient's mailbox
// holds (From, To, Subject, a text and an HTML part with the link), and refusals reaching the caller.
import { afterAll, describe, expect, it } from "vitest";
import { MAX_MESSAGE_BYTES } from "../../devstack/dev-inbox/store.ts";
import { DEV_INBOX_USER } from "../../src/config/dev-inbox.ts";
import { SmtpMailer, smtpPoolOptions } from "../../src/mail/smtp-mailer.ts";
import { testConfig, uniqueEmail } from "../support/test-app.ts";
import { testInbox } from "../support/test-inbox.ts";

const config = testConfig();
const inbox = testInbox();
const from = "Parkealo Tests <no-reply@test.parkealo.live>";
const mailer = new SmtpMailer(config.SMTP_URL!, from);
afterAll(() => mailer.close());

describe("SmtpMailer", () => {
  it("delivers From, To, Subject, a text part and an HTML part carrying the link", async () => {
    const to = uniqueEmail("smtp");
    const link = "http://localhost:3000/api/v1/auth/verify-email?token=abc&x=<1>";
    await mailer.send({ to, subject: "Confirm your email — ¿listo?", text: `Open ${link}\nThanks.`, link });
    const [mail] = await inbox.waitFor(to);
    expect(mail!.from).toBe(`"Parkealo Tests" <no-reply@test.parkealo.live>`);
    expect(mail!.to).toBe(to);
    expect(mail!.envelope).toEqual({ from: "no-reply@test.parkealo.live", to: [to] });
    expect(mail!.subject).toBe("Confirm your email — ¿listo?");
    expect(mail!.headers["message-id"]).toMatch(/^<.+@.+>$/);
    expect(mail!.text.trim()).toBe(`Open ${link}\nThanks.`);
    expect(mail!.html).toContain(
      '<a href="http://localhost:3000/api/v1/auth/verify-email?token=abc&amp;x=&lt;1&gt;"',
    );
    expect(mail!.html).not.toContain("<1>");
  });

  it("rejects with the server's refusal when the recipient is refused, and nothing is kept", async () => {
    const to = `nobody-${Date.now()}@refused.invalid`;
    const sending = mailer.send({ to, subject: "never kept", text: "refused" });
    await expect(sending).rejects.toMatchObject({ responseCode: 550 });
    expect(await inbox.list(to)).toEqual([]);
  });

  it("rejects a message over the inbox's size limit with 552", async () => {
    const to = uniqueEmail("big");
    const text = "x".repeat(MAX_MESSAGE_BYTES + 1024);
    await expect(mailer.send({ to, subject: "too big", text })).rejects.toMatchObject({ responseCode: 552 });
    expect(await inbox.list(to)).toEqual([]);
  });

  it("is refused by the inbox without its login, so no client reaches it by accident", async () => {
    const url = new URL(config.SMTP_URL!);
    expect(decodeURIComponent(url.username)).toBe(DEV_INBOX_USER);
    const anonymous = new SmtpMailer(`smtp://${url.host}`, from);
    try {
      await expect(anonymous.send({ to: uniqueEmail(), subject: "s", text: "t" })).rejects.toMatchObject({
        responseCode: 530,
      });
    } finally {
      await anonymous.close();
    }
  });
});

describe("smtpPoolOptions", () => {
  it("reads TLS, port and login from the URL and never sends a password unencrypted to another host", () => {
    expect(smtpPoolOptions("smtps://u:p%40ss@smtp.example.com")).toMatchObject({
      host: "smtp.example.com",
      port: 465,
      secure: true,
      requireTLS: false,
      auth: { user: "u", pass: "p@ss" },
    });
    expect(smtpPoolOptions("smtp://u:p@smtp.example.com")).toMatchObject({
      port: 587,
      secure: false,
      requireTLS: true,
    });
    expect(smtpPoolOptions("smtp://relay.internal:25")).toMatchObject({ port: 25, requireTLS: false });
    expect(smtpPoolOptions("smtp://u:p@[::1]:2525")).toMatchObject({ host: "::1", requireTLS: false });
  });
});
