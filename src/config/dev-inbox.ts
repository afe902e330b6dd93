// How the local dev inbox (devstack/dev-inbox/) is recognised: it takes mail only from a client that
// logs in with this user name, so every SMTP_URL that reaches it carries it, and production refuses such
// a URL (anyone who reaches the inbox's web page reads every mail, password-reset links included).
export const DEV_INBOX_USER = "dev-inbox";

/** True when `smtpUrl` logs in as the dev inbox's user (false for what is not a URL: refused elsewhere). */
export function isDevInboxUrl(smtpUrl: string): boolean {
  if (!URL.canParse(smtpUrl)) return false;
  return decodeURIComponent(new URL(smtpUrl).username) === DEV_INBOX_USER;
}
