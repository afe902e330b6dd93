// PaymentIntents and their charges: create, confirm with a test card, capture (in full or in part),
// cancel, retrieve, list. A manual-capture authorization holds for 7 days (`capture_before`); capturing
// a destination charge transfers the amount less the application fee to the connected account.
import { z } from "zod";
import { findAccount } from "./accounts.ts";
import type { AddRoute, ApiRequest } from "./api.ts";
import { invalidRequest, noSuchObject, StripeApiError, unexpectedState } from "./errors.ts";
import { listObject, listParams } from "./list.ts";
import { amountParam, boolParam, currencyParam, expandParam, metadataParam } from "./params.ts";
import { type Charge, newId, type PaymentIntent, type Transfer, unixNow, type World } from "./store.ts";
import { testCard } from "./test-cards.ts";

/** How long a card authorization can be captured, as Stripe gives online card payments. */
export const AUTHORIZATION_SECONDS = 7 * 24 * 3600;

const createIntent = z
  .object({
    amount: amountParam.refine((a) => a >= 1, "must be at least 1"),
    currency: currencyParam,
    capture_method: z.enum(["automatic", "automatic_async", "manual"]).default("automatic_async"),
    confirmation_method: z.enum(["automatic", "manual"]).default("automatic"),
    confirm: boolParam.optional(),
    payment_method: z.string().min(1).optional(),
    payment_method_types: z.array(z.string()).optional(),
    automatic_payment_methods: z
      .object({ enabled: boolParam, allow_redirects: z.enum(["always", "never"]).optional() })
      .strict()
      .optional(),
    application_fee_amount: amountParam.optional(),
    transfer_data: z
      .object({ destination: z.string().min(1), amount: amountParam.optional() })
      .strict()
      .optional(),
    transfer_group: z.string().optional(),
    on_behalf_of: z.string().optional(),
    description: z.string().max(1000).optional(),
    statement_descriptor_suffix: z.string().max(22).optional(),
    return_url: z.url().optional(),
    off_session: boolParam.optional(),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

const confirmIntent = z
  .object({
    payment_method: z.string().min(1).optional(),
    return_url: z.url().optional(),
    off_session: boolParam.optional(),
    expand: expandParam,
  })
  .strict();

const captureIntent = z
  .object({
    amount_to_capture: amountParam.optional(),
    application_fee_amount: amountParam.optional(),
    final_capture: boolParam.optional(),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

const cancelIntent = z
  .object({
    cancellation_reason: z.enum(["duplicate", "fraudulent", "requested_by_customer", "abandoned"]).optional(),
    expand: expandParam,
  })
  .strict();

const retrieve = z.object({ expand: expandParam, client_secret: z.string().optional() }).strict();
const listIntents = z.object({ ...listParams, customer: z.string().optional() }).strict();

export function findIntent(world: World, id: string, param = "intent"): PaymentIntent {
  const intent = world.paymentIntents.get(id);
  if (!intent) throw noSuchObject("payment_intent", id, param);
  return intent;
}

/** The intent as answered: `latest_charge` replaced by the charge when `expand[]=latest_charge`. */
export function intentView(world: World, intent: PaymentIntent, expand: string[] = []) {
  if (!expand.includes("latest_charge") || typeof intent.latest_charge !== "string") return intent;
  return { ...intent, latest_charge: world.charges.get(intent.latest_charge) ?? null };
}

/** A destination charge's money moves to the connected account when it is captured. */
function transferFor(world: World, intent: PaymentIntent, charge: Charge): Transfer | undefined {
  if (!intent.transfer_data) return undefined;
  const transfer: Transfer = {
    id: newId("tr"),
    object: "transfer",
    amount: charge.amount_captured - (intent.application_fee_amount ?? 0),
    amount_reversed: 0,
    created: unixNow(),
    currency: intent.currency,
    destination: intent.transfer_data.destination,
    metadata: {},
    reversed: false,
    source_transaction: charge.id,
    transfer_group: intent.transfer_group ?? `group_${intent.id}`,
  };
  world.transfers.set(transfer.id, transfer);
  world.counts.transfers++;
  charge.transfer = transfer.id;
  return transfer;
}

function capture(request: ApiRequest, intent: PaymentIntent, charge: Charge, amount: number) {
  const world = request.world;
  charge.captured = true;
  charge.amount_captured = amount;
  intent.amount_received = amount;
  intent.amount_capturable = 0;
  intent.status = "succeeded";
  transferFor(world, intent, charge);
  world.counts.captures++;
  request.emit("payment_intent.succeeded", intent);
}

/** Runs a confirmation with the intent's payment method: a charge either way, a card error when declined. */
function confirm(request: ApiRequest, intent: PaymentIntent) {
  const world = request.world;
  if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") {
    throw unexpectedState(
      `This PaymentIntent's status is ${intent.status}; it can only be confirmed in requires_payment_method or requires_confirmation.`,
    );
  }
  const paymentMethod = intent.payment_method;
  if (!paymentMethod) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method.",
      "payment_method",
      "payment_intent_unexpected_state",
    );
  }
  const card = testCard(paymentMethod);
  const created = unixNow();
  const charge: Charge = {
    id: newId("ch"),
    object: "charge",
    amount: intent.amount,
    amount_captured: 0,
    amount_refunded: 0,
    application_fee_amount: intent.application_fee_amount,
    captured: false,
    created,
    currency: intent.currency,
    failure_code: card.decline?.code ?? null,
    failure_message: card.decline?.message ?? null,
    metadata: { ...intent.metadata },
    paid: !card.decline,
    payment_intent: intent.id,
    payment_method: paymentMethod,
    payment_method_details: {
      type: "card",
      card: { brand: card.brand, last4: card.last4, capture_before: created + AUTHORIZATION_SECONDS },
    },
    refunded: false,
    status: card.decline ? "failed" : "succeeded",
    transfer: null,
    transfer_data: intent.transfer_data ? { destination: intent.transfer_data.destination } : null,
  };
  world.charges.set(charge.id, charge);
  world.counts.confirmations++;
  intent.latest_charge = charge.id;
  if (card.decline) {
    const error = {
      type: "card_error" as const,
      code: card.decline.code,
      decline_code: card.decline.decline_code,
      message: card.decline.message,
      charge: charge.id,
      payment_method: { id: paymentMethod, object: "payment_method", type: "card" },
    };
    intent.last_payment_error = error;
    intent.payment_method = null;
    intent.status = "requires_payment_method";
    request.emit("payment_intent.payment_failed", intent);
    throw new StripeApiError(402, { ...error, payment_intent: intent });
  }
  intent.last_payment_error = null;
  if (intent.capture_method === "manual") {
    intent.status = "requires_capture";
    intent.amount_capturable = intent.amount;
    request.emit("payment_intent.amount_capturable_updated", intent);
  } else {
    capture(request, intent, charge, intent.amount);
  }
}

export function addPaymentIntentRoutes(route: AddRoute) {
  route("POST", "/v1/payment_intents", (request) => {
    const params = request.parse(createIntent);
    const world = request.world;
    if (params.payment_method) testCard(params.payment_method);
    if (params.transfer_data) {
      const destination = findAccount(world, params.transfer_data.destination, "transfer_data[destination]");
      if (!destination.charges_enabled) {
        throw invalidRequest(
          `Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments`,
          "transfer_data[destination]",
          "insufficient_capabilities_for_transfer",
        );
      }
    }
    if (params.application_fee_amount !== undefined) {
      if (!params.transfer_data && !params.on_behalf_of && !request.stripeAccount) {
        throw invalidRequest(
          "Can only apply an application_fee_amount when the PaymentIntent is attempting a direct payment (using an OAuth key or Stripe-Account header) or destination payment (using `transfer_data[destination]`).",
          "application_fee_amount",
        );
      }
      if (params.application_fee_amount > params.amount) {
        throw invalidRequest(
          "application_fee_amount cannot be greater than amount.",
          "application_fee_amount",
        );
      }
    }
    const id = newId("pi");
    const intent: PaymentIntent = {
      id,
      object: "payment_intent",
      amount: params.amount,
      amount_capturable: 0,
      amount_received: 0,
      application_fee_amount: params.application_fee_amount ?? null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: params.capture_method,
      client_secret: `${id}_secret_${newId("x").slice(2)}`,
      confirmation_method: params.confirmation_method,
      created: unixNow(),
      currency: params.currency,
      description: params.description ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: params.metadata ?? {},
      payment_method: params.payment_method ?? null,
      payment_method_types: params.payment_method_types ?? ["card"],
      status: params.payment_method ? "requires_confirmation" : "requires_payment_method",
      transfer_data: params.transfer_data ? { destination: params.transfer_data.destination } : null,
      transfer_group: params.transfer_group ?? null,
    };
    world.paymentIntents.set(id, intent);
    world.counts.payment_intents++;
    request.emit("payment_intent.created", intent);
    if (params.confirm) confirm(request, intent);
    return intentView(world, intent, params.expand);
  });

  route("GET", "/v1/payment_intents", (request) => {
    const params = request.parse(listIntents);
    return listObject([...request.world.paymentIntents.values()], params, "/v1/payment_intents");
  });

  route("GET", "/v1/payment_intents/:id", (request) => {
    const params = request.parse(retrieve);
    return intentView(request.world, findIntent(request.world, request.path.id ?? ""), params.expand);
  });

  route("POST", "/v1/payment_intents/:id/confirm", (request) => {
    const params = request.parse(confirmIntent);
    const intent = findIntent(request.world, request.path.id ?? "");
    if (params.payment_method) {
      testCard(params.payment_method);
      if (intent.status === "requires_payment_method" || intent.status === "requires_confirmation") {
        intent.payment_method = params.payment_method;
      }
    }
    confirm(request, intent);
    return intentView(request.world, intent, params.expand);
  });

  route("POST", "/v1/payment_intents/:id/capture", (request) => {
    const params = request.parse(captureIntent);
    const world = request.world;
    const intent = findIntent(world, request.path.id ?? "");
    if (intent.status !== "requires_capture") {
      throw unexpectedState(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      );
    }
    const amount = params.amount_to_capture ?? intent.amount_capturable;
    if (amount < 1 || amount > intent.amount_capturable) {
      throw invalidRequest(
        `The amount_to_capture (${amount}) must be between 1 and the amount_capturable (${intent.amount_capturable}).`,
        "amount_to_capture",
        "amount_too_large",
      );
    }
    const fee = params.application_fee_amount ?? intent.application_fee_amount;
    if (fee !== null && fee > amount) {
      throw invalidRequest(
        "application_fee_amount cannot be greater than the amount captured.",
        "application_fee_amount",
      );
    }
    intent.application_fee_amount = fee;
    if (params.metadata) intent.metadata = { ...intent.metadata, ...params.metadata };
    const charge = world.charges.get(intent.latest_charge as string) as Charge;
    charge.application_fee_amount = fee;
    capture(request, intent, charge, amount);
    return intentView(world, intent, params.expand);
  });

  route("POST", "/v1/payment_intents/:id/cancel", (request) => {
    const params = request.parse(cancelIntent);
    const world = request.world;
    const intent = findIntent(world, request.path.id ?? "");
    if (intent.status === "succeeded" || intent.status === "canceled") {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
      );
    }
    const charge =
      typeof intent.latest_charge === "string" ? world.charges.get(intent.latest_charge) : undefined;
    if (charge && charge.status === "succeeded" && !charge.captured) {
      charge.amount_refunded = charge.amount;
      charge.refunded = true;
    }
    intent.status = "canceled";
    intent.amount_capturable = 0;
    intent.canceled_at = unixNow();
    intent.cancellation_reason = params.cancellation_reason ?? null;
    world.counts.cancellations++;
    request.emit("payment_intent.canceled", intent);
    return intentView(world, intent, params.expand);
  });

  route("GET", "/v1/charges/:id", (request) => {
    request.parse(retrieve);
    const charge = request.world.charges.get(request.path.id ?? "");
    if (!charge) throw noSuchObject("charge", request.path.id ?? "");
    return charge;
  });
}
