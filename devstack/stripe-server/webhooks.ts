// Webhook delivery: each event is POSTed as JSON to every endpoint that wants it, signed as Stripe signs
// (`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.payload" with the whsec_ secret>`), and sent again
// after each delay of `retryDelaysMs` while the endpoint answers non-2xx or cannot be reached.
import { createHmac } from "node:crypto";
import { typeMatches } from "./event-types.ts";
import type { StripeEvent, World } from "./store.ts";

export interface StaticEndpoint {
  url: string;
  secret: string;
}

export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

export class WebhookSender {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;

  constructor(
    /** Endpoints given at start: they receive every event of every key. */
    private readonly staticEndpoints: StaticEndpoint[],
    private readonly retryDelaysMs: number[],
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The endpoints an event goes to; counted into its `pending_webhooks`. */
  targets(world: World, type: string): StaticEndpoint[] {
    const registered = [...world.webhookEndpoints.values()].filter((endpoint) =>
      endpoint.enabled_events.some((pattern) => typeMatches(pattern, type)),
    );
    return [...this.staticEndpoints, ...registered.map(({ url, secret }) => ({ url, secret }))];
  }

  deliver(world: World, event: StripeEvent): void {
    const payload = JSON.stringify(event, null, 2);
    for (const endpoint of this.targets(world, event.type)) void this.attempt(endpoint, event, payload, 0);
  }

  private async attempt(endpoint: StaticEndpoint, event: StripeEvent, payload: string, attempt: number) {
    if (this.stopped) return;
    const abort = new AbortController();
    this.inFlight.add(abort);
    const timeout = setTimeout(() => abort.abort(), 10_000);
    let outcome: string;
    try {
      const response = await fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": signatureHeader(payload, endpoint.secret, Math.floor(Date.now() / 1000)),
        },
        body: payload,
        signal: abort.signal,
      });
      await response.body?.cancel();
      if (response.ok) return;
      outcome = `HTTP ${response.status}`;
    } catch (error) {
      outcome = (error as Error).message;
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(abort);
    }
    const delay = this.retryDelaysMs[attempt];
    if (delay === undefined || this.stopped) {
      this.log(
        `webhook ${event.id} (${event.type}) to ${endpoint.url} given up after ${attempt + 1} attempts: ${outcome}`,
      );
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(endpoint, event, payload, attempt + 1);
    }, delay);
    this.timers.add(timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const abort of this.inFlight) abort.abort();
    this.timers.clear();
  }
}
