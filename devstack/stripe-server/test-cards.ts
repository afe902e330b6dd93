// Stripe's test payment methods this server knows: which succeed, which are declined and how.
import { StripeApiError } from "./errors.ts";

export interface TestCard {
  brand: string;
  last4: string;
  decline?: { code: string; decline_code: string; message: string };
}

const CARD_DECLINED = "Your card was declined.";

export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: "visa", last4: "4242" },
  pm_card_mastercard: { brand: "mastercard", last4: "4444" },
  pm_card_amex: { brand: "amex", last4: "8431" },
  pm_card_chargeDeclined: {
    brand: "visa",
    last4: "0002",
    decline: { code: "card_declined", decline_code: "generic_decline", message: CARD_DECLINED },
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: "visa",
    last4: "9995",
    decline: {
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "Your card has insufficient funds.",
    },
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: "visa",
    last4: "0069",
    decline: { code: "expired_card", decline_code: "expired_card", message: "Your card has expired." },
  },
};

export function testCard(paymentMethod: string, param = "payment_method"): TestCard {
  const card = TEST_CARDS[paymentMethod];
  if (!card) {
    throw new StripeApiError(400, {
      type: "invalid_request_error",
      code: "resource_missing",
      param,
      message: `No such PaymentMethod: '${paymentMethod}'`,
    });
  }
  return card;
}
