// Entry of the local dev inbox as its own process (the devstack starts it):
//   DEV_INBOX_SMTP_PORT  SMTP port on 127.0.0.1 (0 = any free one)
//   DEV_INBOX_HTTP_PORT  the inbox page and JSON API on 127.0.0.1 (0 = any free one)
//   DEV_INBOX_STATE      a JSON file that keeps the messages across restarts (unset = memory only)
// Both URLs are printed once it listens.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createInboxApp } from "./http.ts";
import { createSmtpReceiver } from "./smtp.ts";
import { InboxStore } from "./store.ts";

const log = (line: string) => console.log(`[dev-inbox] ${line}`);
const store = new InboxStore(process.env.DEV_INBOX_STATE || undefined);
const smtp = createSmtpReceiver(store, log);
smtp.on("error", (error) => log(`smtp error: ${error.message}`));
await new Promise<void>((resolve, reject) => {
  smtp.server.once("error", reject);
  smtp.listen(Number(process.env.DEV_INBOX_SMTP_PORT ?? 0), "127.0.0.1", () => resolve());
});
const http = serve({
  fetch: createInboxApp(store).fetch,
  hostname: "127.0.0.1",
  port: Number(process.env.DEV_INBOX_HTTP_PORT ?? 0),
});
await new Promise<void>((resolve, reject) => {
  http.once("listening", () => resolve());
  http.once("error", reject);
});
const smtpPort = (smtp.server.address() as AddressInfo).port;
const httpPort = (http.address() as AddressInfo).port;
log(`smtp on 127.0.0.1:${smtpPort}, inbox on http://127.0.0.1:${httpPort}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    store.flush();
    http.close();
    smtp.close(() => process.exit(0));
  });
}
