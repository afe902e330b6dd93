// The server's state: one world per secret key (as each Stripe account is its own), kept in memory.
// Objects are the JSON Stripe returns; counts say how many of each were made, for duplicate checks.
import { randomBytes } from "node:crypto";

export type Metadata = Record<string, string>;

export interface Account {
  id: string;
  object: "account";
  type: "express" | "standard" | "custom";
  country: string;
  email: string | null;
  default_currency: string;
  business_type: string | null;
  capabilities: Record<string, "active" | "inactive" | "pending">;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  requirements: {
    currently_due: string[];
    eventually_due: string[];
    past_due: string[];
    disabled_reason: string | null;
  };
  metadata: Metadata;
  created: number;
}

export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  application_fee_amount: number | null;
  captured: boolean;
  created: number;
  currency: string;
  failure_code: string | null;
  failure_message: string | null;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  payment_method_details: { type: "card"; card: { brand: string; last4: string; capture_before: number } };
  refunded: boolean;
  status: "succeeded" | "failed" | "pending";
  transfer: string | null;
  transfer_data: { destination: string } | null;
}

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  application_fee_amount: number | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: "automatic" | "automatic_async" | "manual";
  client_secret: string;
  confirmation_method: "automatic" | "manual";
  created: number;
  currency: string;
  description: string | null;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: string | Charge | null;
  livemode: false;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  status:
    | "requires_payment_method"
    | "requires_confirmation"
    | "requires_action"
    | "processing"
    | "requires_capture"
    | "canceled"
    | "succeeded";
  transfer_data: { destination: string } | null;
  transfer_group: string | null;
}

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: string | null;
  status: "succeeded";
  transfer_reversal: string | null;
}

export interface Transfer {
  id: string;
  object: "transfer";
  amount: number;
  amount_reversed: number;
  created: number;
  currency: string;
  destination: string;
  metadata: Metadata;
  reversed: boolean;
  source_transaction: string | null;
  transfer_group: string | null;
}

export interface Payout {
  id: string;
  object: "payout";
  amount: number;
  arrival_date: number;
  created: number;
  currency: string;
  description: string | null;
  destination: string;
  metadata: Metadata;
  method: "standard" | "instant";
  status: "paid" | "pending" | "in_transit" | "canceled" | "failed";
  type: "bank_account";
}

export interface StripeEvent {
  id: string;
  object: "event";
  account?: string;
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface WebhookEndpoint {
  id: string;
  object: "webhook_endpoint";
  url: string;
  enabled_events: string[];
  secret: string;
  status: "enabled";
  created: number;
}

/** A finished request kept under its Idempotency-Key. */
export interface IdempotentResult {
  fingerprint: string;
  status: number;
  body: unknown;
  storedAt: number;
}

/** Counted once per object made or action done; an idempotent replay counts nothing. */
export type CountName =
  | "accounts"
  | "account_links"
  | "payment_intents"
  | "confirmations"
  | "captures"
  | "cancellations"
  | "refunds"
  | "transfers"
  | "payouts"
  | "events"
  | "webhook_endpoints";

export interface World {
  key: string;
  accounts: Map<string, Account>;
  paymentIntents: Map<string, PaymentIntent>;
  charges: Map<string, Charge>;
  refunds: Map<string, Refund>;
  transfers: Map<string, Transfer>;
  /** Keyed by payout id; `owner` is the connected account whose balance it left, or "platform". */
  payouts: Map<string, { owner: string; payout: Payout }>;
  events: StripeEvent[];
  webhookEndpoints: Map<string, WebhookEndpoint>;
  idempotency: Map<string, IdempotentResult>;
  counts: Record<CountName, number>;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `pi_3Nf…`: the prefix Stripe uses for the kind, then 24 random characters. */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${id}`;
}

export const unixNow = () => Math.floor(Date.now() / 1000);

function emptyCounts(): Record<CountName, number> {
  return {
    accounts: 0,
    account_links: 0,
    payment_intents: 0,
    confirmations: 0,
    captures: 0,
    cancellations: 0,
    refunds: 0,
    transfers: 0,
    payouts: 0,
    events: 0,
    webhook_endpoints: 0,
  };
}

const MAP_FIELDS = [
  "accounts",
  "paymentIntents",
  "charges",
  "refunds",
  "transfers",
  "payouts",
  "webhookEndpoints",
  "idempotency",
] as const;

export class Worlds {
  private readonly byKey = new Map<string, World>();

  get(key: string): World {
    let world = this.byKey.get(key);
    if (!world) {
      world = {
        key,
        accounts: new Map(),
        paymentIntents: new Map(),
        charges: new Map(),
        refunds: new Map(),
        transfers: new Map(),
        payouts: new Map(),
        events: [],
        webhookEndpoints: new Map(),
        idempotency: new Map(),
        counts: emptyCounts(),
      };
      this.byKey.set(key, world);
    }
    return world;
  }

  /** Every world as JSON (maps as entry lists, in their order), for a state file. */
  serialize(): string {
    const worlds = [...this.byKey.values()].map((world) => ({
      ...world,
      ...Object.fromEntries(MAP_FIELDS.map((field) => [field, [...world[field].entries()]])),
    }));
    return JSON.stringify({ version: 1, worlds });
  }

  /** The worlds of a state file written by serialize(). */
  static deserialize(text: string): Worlds {
    const parsed = JSON.parse(text) as { version: number; worlds: Array<Record<string, unknown>> };
    if (parsed.version !== 1) throw new Error(`unknown state file version ${parsed.version}`);
    const worlds = new Worlds();
    for (const saved of parsed.worlds) {
      const world = worlds.get(String(saved.key));
      for (const field of MAP_FIELDS) {
        const map = world[field] as Map<string, unknown>;
        for (const [id, value] of saved[field] as Array<[string, unknown]>) map.set(id, value);
      }
      world.events.push(...(saved.events as StripeEvent[]));
      Object.assign(world.counts, saved.counts);
    }
    return worlds;
  }
}
