// The dev inbox's SMTP side: plain SMTP on a private port (no TLS), mail accepted only from a client
// logged in as DEV_INBOX_USER (any password), each message parsed with mailparser and kept in the store.
// It refuses, as a real server would: recipients in the reserved `.invalid` domain (550), messages over
// MAX_MESSAGE_BYTES (552) and clients that did not log in (530).
import { randomUUID } from "node:crypto";
import { type AddressObject, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { DEV_INBOX_USER } from "../../src/config/dev-inbox.ts";
import { type InboxMessage, type InboxStore, MAX_MESSAGE_BYTES } from "./store.ts";

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

function addressText(value: AddressObject | AddressObject[] | undefined): string {
  if (!value) return "";
  return (Array.isArray(value) ? value : [value]).map((a) => a.text).join(", ");
}

function headerMap(lines: readonly { key: string; line: string }[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key, line } of lines) {
    const value = line
      .slice(line.indexOf(":") + 1)
      .replace(/\r?\n[ \t]+/g, " ")
      .trim();
    headers[key.toLowerCase()] ??= value;
  }
  return headers;
}

export function createSmtpReceiver(store: InboxStore, log: (line: string) => void = () => {}) {
  return new SMTPServer({
    name: "dev-inbox.parkealo.local",
    banner: "Parkealo dev inbox: mail is kept here, never delivered",
    size: MAX_MESSAGE_BYTES,
    disabledCommands: ["STARTTLS"],
    // Clients keep pooled connections open: at stop, end them after a second rather than wait.
    closeTimeout: 1000,
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, callback) {
      if (auth.username === DEV_INBOX_USER) return callback(null, { user: auth.username });
      callback(smtpError(535, `5.7.8 log in as ${DEV_INBOX_USER}`));
    },
    onRcptTo(address, _session, callback) {
      const domain = address.address.split("@").pop()?.toLowerCase() ?? "";
      if (domain === "invalid" || domain.endsWith(".invalid")) {
        return callback(smtpError(550, `5.1.2 ${address.address}: the domain does not exist`));
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (stream.sizeExceeded) {
            return callback(smtpError(552, `5.3.4 message larger than ${MAX_MESSAGE_BYTES} bytes`));
          }
          const message: InboxMessage = {
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            },
            from: addressText(parsed.from),
            to: addressText(parsed.to),
            subject: parsed.subject ?? "",
            headers: headerMap(parsed.headerLines),
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : null,
            size: stream.byteLength,
          };
          store.add(message);
          log(`kept ${message.id} for ${message.envelope.to.join(", ")}: ${message.subject}`);
          callback(null, `2.0.0 kept as ${message.id}`);
        })
        .catch((error: Error) =>
          callback(smtpError(451, `4.3.0 could not read the message: ${error.message}`)),
        );
    },
  });
}
