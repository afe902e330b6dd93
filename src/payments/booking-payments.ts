// A paid booking's money, end to end. `pay`: the driver's card is authorized for a booking waiting
// for payment (a manual-capture PaymentIntent carrying the platform's fee and the host's account as
// its destination). `chargeExtension`: the difference of a paid booking's extension is charged.
// `settle`: whatever the booking and its intents say must happen next is done (payment-plan.ts):
// the actor told the authorization's outcome, a capture, a release or a refund. Every Stripe call
// carries an idempotency key derived from the booking, the payment's purpose and the action, so a
// retry, a second webhook or a crash between a call and its record moves money once.
//
// The space's actor never waits on Stripe: the outcome comes back to it as a command
// (paymentAuthorized / paymentFailed) after the call, from the request that paid, from the webhook,
// or from a booking event's handler, whichever gets there first (the others find nothing to do).
import Stripe from "stripe";
import type { CancellationPolicy, CancellingParty } from "../domain/cancellation-policy.ts";
import type { BookingStatus } from "../domain/index.ts";
import { AppError, errors } from "../errors.ts";
import type { Logger } from "../logger.ts";
import {
  cancellationOf,
  findPayment,
  type IntentState,
  insertPayment,
  type PaymentRecord,
  type PaymentStatus,
  paymentsOfBooking,
  recordIntentState,
} from "../storage/payments-repository.ts";
import type { Queryable } from "../storage/postgres.ts";
import { nextPaymentStep, type PaymentStep, type PlannedIntent } from "./payment-plan.ts";

/** A payment outcome sent to the space's actor; resolves once the actor decided (either way). */
export type TellSpace = (
  spaceId: string,
  command: { type: "paymentAuthorized" | "paymentFailed"; bookingId: string; reason: string },
) => Promise<void>;

export interface BookingPaymentsOptions {
  db: Queryable;
  stripe: Stripe;
  tell: TellSpace;
  logger: Logger;
}

/** The booking as paying needs it: its space's host, policy and the host's connected account. */
interface PaidBookingRow {
  id: string;
  spaceId: string;
  driverId: string;
  hostId: string;
  status: BookingStatus;
  start: number;
  end: number;
  currency: string;
  totalAmount: number;
  platformFee: number;
  cancellationPolicy: CancellationPolicy;
  destination: string | null;
  chargesEnabled: boolean;
}

/** Steps one settle takes at most (tell, then capture after the actor confirmed, …). */
const MAX_STEPS = 4;

export class BookingPayments {
  private readonly db: Queryable;
  private readonly stripe: Stripe;
  private readonly tell: TellSpace;
  private readonly logger: Logger;

  constructor(options: BookingPaymentsOptions) {
    this.db = options.db;
    this.stripe = options.stripe;
    this.tell = options.tell;
    this.logger = options.logger;
  }

  /**
   * The driver pays a booking waiting for payment with a payment method (a `pm_…` id from Stripe.js,
   * or a test card). Answers the payment as it stands once the actor has the outcome: `authorized`
   * (the booking moved on), `failed` (refused card: the booking is payment_failed, its slot free).
   */
  async pay(driverId: string, bookingId: string, paymentMethod: string): Promise<PaymentRecord> {
    const booking = await this.booking(bookingId);
    if (booking === undefined || booking.driverId !== driverId) throw errors.notFound("booking");
    let payment = (await paymentsOfBooking(this.db, bookingId)).find((p) => p.purpose === "booking");
    if (payment === undefined) {
      if (booking.status !== "awaiting_payment") {
        throw new AppError("not_awaiting_payment", 409, `a ${booking.status} booking takes no payment`, {
          status: booking.status,
        });
      }
      if (booking.destination === null || !booking.chargesEnabled) {
        throw new AppError(
          "host_cannot_take_payments",
          409,
          "the space's host has no payment account ready to be paid into",
        );
      }
      payment = await insertPayment(this.db, {
        bookingId,
        purpose: "booking",
        driverId,
        hostId: booking.hostId,
        destination: booking.destination,
        paymentMethod,
        currency: booking.currency,
        amount: booking.totalAmount,
        applicationFee: booking.platformFee,
        cancellationPolicy: booking.cancellationPolicy,
      });
    }
    if (payment.paymentMethod !== paymentMethod) {
      throw new AppError(
        "payment_exists",
        409,
        "this booking is already being paid with another payment method",
        {
          paymentId: payment.id,
        },
      );
    }
    if (payment.status === "creating" && booking.status === "awaiting_payment") {
      const intent = await this.intentOf(payment, booking);
      await this.confirm(payment, intent);
    }
    await this.settle(bookingId);
    return (await findPayment(this.db, payment.id))!;
  }

  /**
   * Charges what an extension of a paid booking added (`totalAmount` − what its payments so far
   * amount to), at once, with the card the booking was paid with. Nothing when the booking was not
   * paid (payments off, or a free booking).
   */
  async chargeExtension(bookingId: string, toEnd: number): Promise<void> {
    const booking = await this.booking(bookingId);
    if (booking === undefined) return;
    const payments = await paymentsOfBooking(this.db, bookingId);
    const first = payments.find((p) => p.purpose === "booking");
    if (first === undefined || first.paymentMethod === null) return;
    const purpose = `extension:${toEnd}`;
    let payment = payments.find((p) => p.purpose === purpose);
    if (payment === undefined) {
      const paid = payments.reduce((sum, p) => sum + p.amount, 0);
      const fees = payments.reduce((sum, p) => sum + p.applicationFee, 0);
      const amount = booking.totalAmount - paid;
      if (amount <= 0) return;
      payment = await insertPayment(this.db, {
        bookingId,
        purpose,
        driverId: booking.driverId,
        hostId: booking.hostId,
        destination: first.destination,
        paymentMethod: first.paymentMethod,
        currency: booking.currency,
        amount,
        applicationFee: Math.min(amount, Math.max(0, booking.platformFee - fees)),
        cancellationPolicy: first.cancellationPolicy,
      });
    }
    if (payment.status === "creating") {
      const intent = await this.intentOf(payment, booking);
      await this.confirm(payment, intent);
    }
  }

  /**
   * An admin gives money back beyond the policy (a dispute's outcome): `amount` more of what was
   * captured. Keyed on the refunded total it leads to, so a retry refunds once.
   */
  async refund(paymentId: string, amount: number, reason: string | undefined): Promise<PaymentRecord> {
    const payment = await findPayment(this.db, paymentId);
    if (payment === undefined) throw errors.notFound("payment");
    if (payment.intentId !== null) await this.record(payment, await this.retrieve(payment.intentId));
    const current = (await findPayment(this.db, paymentId))!;
    const refundable = current.capturedAmount - current.refundedAmount;
    if (current.intentId === null || amount > refundable) {
      throw new AppError(
        "refund_too_large",
        409,
        `at most ${refundable} (captured and not yet refunded) can be refunded`,
        { refundable },
      );
    }
    const target = current.refundedAmount + amount;
    await this.stripe.refunds.create(
      {
        payment_intent: current.intentId,
        amount,
        reverse_transfer: true,
        refund_application_fee: true,
        metadata: { booking_id: current.bookingId, tier: "admin", ...(reason ? { reason } : {}) },
      },
      { idempotencyKey: `${current.bookingId}:${current.purpose}:refund-${target}` },
    );
    await this.record(current, await this.retrieve(current.intentId));
    return (await findPayment(this.db, paymentId))!;
  }

  /** Does what the booking's payments need next, until nothing is left to do. */
  async settle(bookingId: string): Promise<void> {
    for (let step = 0; step < MAX_STEPS; step++) {
      const booking = await this.booking(bookingId);
      if (booking === undefined) return;
      let acted = false;
      for (const payment of await paymentsOfBooking(this.db, bookingId)) {
        if (await this.settlePayment(booking, payment)) acted = true;
      }
      if (!acted) return;
    }
  }

  /** One payment's next step; true when it did something (the state may have moved on). */
  private async settlePayment(booking: PaidBookingRow, payment: PaymentRecord): Promise<boolean> {
    let intent: Stripe.PaymentIntent | null = null;
    if (payment.intentId !== null) {
      intent = await this.retrieve(payment.intentId);
    } else if (booking.status !== "awaiting_payment") {
      // Its creation's answer was lost and the booking has moved on: find the intent by its key
      // (created unconfirmed if it never was) so that it is released.
      intent = await this.intentOf(payment, booking);
    }
    if (intent !== null) await this.record(payment, intent);
    const refreshed = intent === null ? payment : ((await findPayment(this.db, payment.id)) ?? payment);
    const step = nextPaymentStep(
      {
        status: booking.status,
        start: booking.start,
        end: booking.end,
        currency: booking.currency,
        cancellation: booking.status === "cancelled" ? await this.cancellation(booking) : null,
      },
      refreshed,
      intent === null ? null : planned(intent),
    );
    if (step.kind === "none" || intent === null) return false;
    await this.take(step, booking, refreshed, intent);
    return true;
  }

  private async take(
    step: Exclude<PaymentStep, { kind: "none" }>,
    booking: PaidBookingRow,
    payment: PaymentRecord,
    intent: Stripe.PaymentIntent,
  ): Promise<void> {
    const key = (action: string) => `${booking.id}:${payment.purpose}:${action}`;
    switch (step.kind) {
      case "tell":
        await this.tellActor(booking, step.command, step.reason);
        return;
      case "capture":
        await this.record(
          payment,
          await this.stripe.paymentIntents.capture(intent.id, {}, { idempotencyKey: key("capture") }),
        );
        return;
      case "release":
        await this.record(
          payment,
          await this.stripe.paymentIntents.cancel(
            intent.id,
            { cancellation_reason: "abandoned" },
            { idempotencyKey: key("release") },
          ),
        );
        return;
      case "refund":
        await this.stripe.refunds.create(
          {
            payment_intent: intent.id,
            amount: step.amount,
            reverse_transfer: true,
            refund_application_fee: true,
            metadata: { booking_id: booking.id, tier: step.tier },
          },
          { idempotencyKey: key(`refund-${payment.refundedAmount + step.amount}`) },
        );
        await this.record(payment, await this.retrieve(intent.id));
        return;
    }
  }

  private async tellActor(
    booking: PaidBookingRow,
    command: "paymentAuthorized" | "paymentFailed",
    reason: string,
  ): Promise<void> {
    try {
      await this.tell(booking.spaceId, { type: command, bookingId: booking.id, reason });
    } catch (error) {
      // Another path told it first, or the booking moved on (expired meanwhile): the next settle
      // sees the booking's new status and releases what it must.
      if (error instanceof AppError && error.status < 500) {
        this.logger.debug({ bookingId: booking.id, code: error.code }, "payment outcome not taken");
        return;
      }
      throw error;
    }
  }

  /** The payment's intent: made once (its key), unconfirmed; its id kept on the row. */
  private async intentOf(payment: PaymentRecord, booking: PaidBookingRow): Promise<Stripe.PaymentIntent> {
    const intent = await this.stripe.paymentIntents.create(
      {
        amount: payment.amount,
        currency: payment.currency.toLowerCase(),
        capture_method: payment.purpose === "booking" ? "manual" : "automatic",
        application_fee_amount: payment.applicationFee,
        transfer_data: { destination: payment.destination },
        metadata: { booking_id: booking.id, payment_id: payment.id, purpose: payment.purpose },
      },
      { idempotencyKey: `${booking.id}:${payment.purpose}:create` },
    );
    await this.record(payment, intent);
    return intent;
  }

  /** Confirms with the payment's method; a refused card is an outcome, not an error. */
  private async confirm(payment: PaymentRecord, intent: Stripe.PaymentIntent): Promise<void> {
    if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") return;
    try {
      const confirmed = await this.stripe.paymentIntents.confirm(
        intent.id,
        {
          payment_method: payment.paymentMethod ?? undefined,
          ...(payment.purpose === "booking" ? {} : { off_session: true }),
        },
        { idempotencyKey: `${payment.bookingId}:${payment.purpose}:confirm` },
      );
      await this.record(payment, confirmed);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
      await this.record(payment, await this.retrieve(intent.id));
    }
  }

  private retrieve(intentId: string): Promise<Stripe.PaymentIntent> {
    return this.stripe.paymentIntents.retrieve(intentId, { expand: ["latest_charge"] });
  }

  private async record(payment: PaymentRecord, intent: Stripe.PaymentIntent): Promise<void> {
    await recordIntentState(this.db, payment.id, intentState(intent));
  }

  private async cancellation(booking: PaidBookingRow): Promise<{ by: CancellingParty; at: number } | null> {
    const row = await cancellationOf(this.db, booking.id);
    if (row === undefined) return null;
    const by: CancellingParty =
      row.changedBy === booking.hostId ? "host" : row.changedBy === booking.driverId ? "driver" : "system";
    return { by, at: row.at };
  }

  private async booking(bookingId: string): Promise<PaidBookingRow | undefined> {
    const { rows } = await this.db.query<PaidBookingRow & { start: string; end: string }>(
      `select b.id, b.space_id as "spaceId", b.driver_id as "driverId", s.host_id as "hostId", b.status,
              (extract(epoch from lower(b.during)) * 1000)::int8 as start,
              (extract(epoch from upper(b.during)) * 1000)::int8 as "end",
              b.currency, b.total_amount as "totalAmount", b.platform_fee as "platformFee",
              s.cancellation_policy as "cancellationPolicy", a.stripe_account_id as destination,
              coalesce(a.charges_enabled, false) as "chargesEnabled"
         from bookings b join parking_spaces s on s.id = b.space_id
         left join host_payment_accounts a on a.user_id = s.host_id
        where b.id = $1`,
      [bookingId],
    );
    const row = rows[0];
    return row === undefined ? undefined : { ...row, start: Number(row.start), end: Number(row.end) };
  }
}

function planned(intent: Stripe.PaymentIntent): PlannedIntent {
  return { status: intent.status, lastErrorCode: intent.last_payment_error?.code ?? null };
}

/** What the payments row keeps of an intent. */
export function intentState(intent: Stripe.PaymentIntent): IntentState {
  const charge = typeof intent.latest_charge === "object" ? intent.latest_charge : null;
  const captured = intent.amount_received ?? 0;
  // A released authorization shows its charge as refunded at Stripe: only captured money counts here.
  const refunded = Math.min(charge?.amount_refunded ?? 0, captured);
  let status: PaymentStatus;
  switch (intent.status) {
    case "requires_capture":
      status = "authorized";
      break;
    case "succeeded":
      status = refunded === 0 ? "captured" : refunded >= captured ? "refunded" : "partially_refunded";
      break;
    case "canceled":
      // Released; after a refused card it stays a failed payment.
      status = intent.last_payment_error ? "failed" : "released";
      break;
    default:
      status = intent.last_payment_error ? "failed" : "creating";
  }
  return {
    intentId: intent.id,
    status,
    capturedAmount: captured,
    refundedAmount: refunded,
    failureCode: intent.last_payment_error?.code ?? null,
    failureMessage: intent.last_payment_error?.message ?? null,
  };
}
