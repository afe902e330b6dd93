// Refunds of a captured charge, in full or in part, never more than was captured and not yet refunded.
// `reverse_transfer` takes back the connected account's share of a destination charge in proportion.
import { z } from "zod";
import type { AddRoute } from "./api.ts";
import { invalidRequest, noSuchObject } from "./errors.ts";
import { listObject, listParams } from "./list.ts";
import { amountParam, boolParam, expandParam, metadataParam } from "./params.ts";
import { findIntent } from "./payment-intents.ts";
import { type Charge, newId, type Refund, unixNow, type World } from "./store.ts";

const createRefund = z
  .object({
    payment_intent: z.string().min(1).optional(),
    charge: z.string().min(1).optional(),
    amount: amountParam.optional(),
    reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]).optional(),
    reverse_transfer: boolParam.optional(),
    refund_application_fee: boolParam.optional(),
    metadata: metadataParam,
    expand: expandParam,
  })
  .strict();

const listRefunds = z
  .object({ ...listParams, payment_intent: z.string().optional(), charge: z.string().optional() })
  .strict();

function chargeToRefund(world: World, params: z.infer<typeof createRefund>): Charge {
  if (params.charge) {
    const charge = world.charges.get(params.charge);
    if (!charge) throw noSuchObject("charge", params.charge, "charge");
    return charge;
  }
  if (!params.payment_intent)
    throw invalidRequest("One of `charge` or `payment_intent` is required.", "payment_intent");
  const intent = findIntent(world, params.payment_intent, "payment_intent");
  const charge =
    typeof intent.latest_charge === "string" ? world.charges.get(intent.latest_charge) : undefined;
  if (!charge || intent.status !== "succeeded") {
    throw invalidRequest(
      `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
      "payment_intent",
      "charge_not_refundable",
    );
  }
  return charge;
}

export function addRefundRoutes(route: AddRoute) {
  route("POST", "/v1/refunds", (request) => {
    const params = request.parse(createRefund);
    const world = request.world;
    const charge = chargeToRefund(world, params);
    if (!charge.captured) {
      throw invalidRequest(
        `Charge ${charge.id} has not been captured; cancel its PaymentIntent to release the authorization.`,
        "charge",
        "charge_not_refundable",
      );
    }
    const refundable = charge.amount_captured - charge.amount_refunded;
    if (refundable === 0) {
      throw invalidRequest(
        `Charge ${charge.id} has already been refunded.`,
        "charge",
        "charge_already_refunded",
      );
    }
    const amount = params.amount ?? refundable;
    if (amount < 1 || amount > refundable) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${refundable})`,
        "amount",
        "amount_too_large",
      );
    }
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    const refund: Refund = {
      id: newId("re"),
      object: "refund",
      amount,
      charge: charge.id,
      created: unixNow(),
      currency: charge.currency,
      metadata: params.metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: params.reason ?? null,
      status: "succeeded",
      transfer_reversal: null,
    };
    const transfer = charge.transfer ? world.transfers.get(charge.transfer) : undefined;
    if (params.reverse_transfer && transfer) {
      const share = Math.min(
        Math.round((amount * transfer.amount) / charge.amount_captured),
        transfer.amount - transfer.amount_reversed,
      );
      transfer.amount_reversed += share;
      transfer.reversed = transfer.amount_reversed === transfer.amount;
      refund.transfer_reversal = newId("trr");
    }
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    world.refunds.set(refund.id, refund);
    world.counts.refunds++;
    request.emit("charge.refunded", charge, { previous });
    return refund;
  });

  route("GET", "/v1/refunds", (request) => {
    const params = request.parse(listRefunds);
    const refunds = [...request.world.refunds.values()].filter(
      (r) =>
        (!params.payment_intent || r.payment_intent === params.payment_intent) &&
        (!params.charge || r.charge === params.charge),
    );
    return listObject(refunds, params, "/v1/refunds");
  });

  route("GET", "/v1/refunds/:id", (request) => {
    request.parse(z.object({ expand: expandParam }).strict());
    const refund = request.world.refunds.get(request.path.id ?? "");
    if (!refund) throw noSuchObject("refund", request.path.id ?? "");
    return refund;
  });
}
