// The one interface every mail goes through. Real senders (SMTP, an email API) come with the
// notifications work; here there are the dev mailbox and a log-only sender.
import type { Logger } from "../logger.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The action link in the mail (verification, password reset), kept apart so tests and the demo can follow it. */
  link?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}

/** Logs that a mail would go out (production until a real sender is configured); never logs the link. */
export class LogMailer implements Mailer {
  constructor(private readonly logger: Logger) {}
  async send(mail: Mail): Promise<void> {
    this.logger.info({ to: mail.to, subject: mail.subject }, "mail not sent: no mail sender configured");
  }
}
