// Mail over SMTP with nodemailer: a small pool of connections to SMTP_URL, each mail with a text and an
// HTML part. A refusal (an unknown recipient, a message too big, a failed login) rejects `send`.
import nodemailer, { type Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { Config } from "../config/index.ts";
import type { Logger } from "../logger.ts";
import { mailHtml } from "./mail-html.ts";
import { LogMailer, type Mail, type Mailer } from "./mailer.ts";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

/** Nodemailer's pool options for an `smtp://` / `smtps://` URL (see SMTP_URL in src/config/env.ts). */
export function smtpPoolOptions(smtpUrl: string): SMTPPool.Options {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const auth = url.username
    ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
    : undefined;
  return {
    pool: true,
    maxConnections: 5,
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    // Credentials never cross the network unencrypted: to another machine, STARTTLS is required.
    requireTLS: !secure && auth !== undefined && !LOOPBACK.has(host),
    ...(auth ? { auth } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter<SMTPPool.SentMessageInfo>;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpPoolOptions(smtpUrl));
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mailHtml(mail),
      ...(mail.messageId ? { messageId: mail.messageId } : {}),
      ...(mail.headers ? { headers: mail.headers } : {}),
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** SMTP when SMTP_URL is set; otherwise mails are only logged. */
export function mailerFromConfig(config: Config, logger: Logger): Mailer {
  return config.SMTP_URL ? new SmtpMailer(config.SMTP_URL, config.MAIL_FROM) : new LogMailer(logger);
}
