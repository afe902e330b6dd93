// The one interface every mail goes through, and the log-only sender used when no SMTP server is
// configured (SMTP_URL unset). The SMTP sender is smtp-mailer.ts; mailerFromConfig picks one.
import type { Logger } from "../logger.ts";

export interface Mail {
  to: string;
  subject: string;
  /** The plain-text body; it carries the action link too, so a text-only reader can follow it. */
  text: string;
  /** The action link in the mail (verification, password reset), shown as a button in the HTML part. */
  link?: string;
  /** The Message-ID, `<local@domain>`, when the sender derives it (a retried mail keeps its id). */
  messageId?: string;
  /** Further headers (e.g. List-Unsubscribe). */
  headers?: Record<string, string>;
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the mail; rejects with its refusal. */
  send(mail: Mail): Promise<void>;
  /** Ends open connections (at shutdown, after the last send). */
  close(): Promise<void>;
}

/** Logs that a mail would go out; never logs the body or the link (they hold one-time tokens). */
export class LogMailer implements Mailer {
  constructor(private readonly logger: Logger) {}
  async send(mail: Mail): Promise<void> {
    this.logger.info({ to: mail.to, subject: mail.subject }, "mail not sent: no SMTP_URL configured");
  }
  async close(): Promise<void> {}
}
