// Entry of the local Stripe-compatible server as its own process (the devstack starts it):
//   STRIPE_SERVER_PORT     port on 127.0.0.1 (0 = any free one; the URL is printed)
//   STRIPE_SERVER_WEBHOOKS endpoint URLs (comma-separated) that receive every event, signed with
//   STRIPE_WEBHOOK_SECRET  the endpoints' `whsec_…` secret
//   STRIPE_SERVER_STATE    a JSON file that keeps the objects across restarts (unset = memory only)
import { startStripeServer } from "./server.ts";

const urls = (process.env.STRIPE_SERVER_WEBHOOKS ?? "")
  .split(",")
  .map((u) => u.trim())
  .filter(Boolean);
const secret = process.env.STRIPE_WEBHOOK_SECRET ?? "";
if (urls.length > 0 && !secret.startsWith("whsec_")) {
  console.error("STRIPE_WEBHOOK_SECRET must be a whsec_… secret when STRIPE_SERVER_WEBHOOKS is set");
  process.exit(1);
}
const server = await startStripeServer({
  port: Number(process.env.STRIPE_SERVER_PORT ?? 0),
  webhookEndpoints: urls.map((url) => ({ url, secret })),
  log: (line) => console.log(`[stripe-server] ${line}`),
  ...(process.env.STRIPE_SERVER_STATE ? { stateFile: process.env.STRIPE_SERVER_STATE } : {}),
});
console.log(`[stripe-server] listening on ${server.url}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)));
}
