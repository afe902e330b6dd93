// The payments ledger: one row per PaymentIntent of a booking (its authorization, and one per paid
// extension), written before Stripe is called and brought up to date from the intent after each
// call, webhook or booking event. Reads for the REST API: one payment, pages by driver (newest first).
import type { CancellationPolicy } from "../domain/cancellation-policy.ts";
import type { Queryable } from "./postgres.ts";

export type PaymentStatus =
  | "creating"
  | "authorized"
  | "failed"
  | "captured"
  | "released"
  | "refunded"
  | "partially_refunded";

export interface PaymentRecord {
  id: string;
  bookingId: string;
  purpose: string;
  driverId: string;
  hostId: string;
  destination: string;
  intentId: string | null;
  paymentMethod: string | null;
  status: PaymentStatus;
  currency: string;
  amount: number;
  applicationFee: number;
  capturedAmount: number;
  refundedAmount: number;
  cancellationPolicy: CancellationPolicy;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = `p.id, p.booking_id as "bookingId", p.purpose, p.driver_id as "driverId", p.host_id as "hostId",
  p.destination, p.stripe_payment_intent_id as "intentId", p.payment_method as "paymentMethod", p.status,
  p.currency, p.amount, p.application_fee as "applicationFee", p.captured_amount as "capturedAmount",
  p.refunded_amount as "refundedAmount", p.cancellation_policy as "cancellationPolicy",
  p.failure_code as "failureCode", p.failure_message as "failureMessage",
  to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "createdAt",
  to_char(p.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt"`;

export interface NewPayment {
  bookingId: string;
  purpose: string;
  driverId: string;
  hostId: string;
  destination: string;
  paymentMethod: string | null;
  currency: string;
  amount: number;
  applicationFee: number;
  cancellationPolicy: CancellationPolicy;
}

/** Writes the row unless the booking already has one for this purpose; answers the row either way. */
export async function insertPayment(db: Queryable, payment: NewPayment): Promise<PaymentRecord> {
  await db.query(
    `insert into payments (booking_id, purpose, driver_id, host_id, destination, payment_method, currency,
       amount, application_fee, cancellation_policy)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (booking_id, purpose) do nothing`,
    [
      payment.bookingId,
      payment.purpose,
      payment.driverId,
      payment.hostId,
      payment.destination,
      payment.paymentMethod,
      payment.currency,
      payment.amount,
      payment.applicationFee,
      payment.cancellationPolicy,
    ],
  );
  const row = (await paymentsOfBooking(db, payment.bookingId)).find((p) => p.purpose === payment.purpose);
  if (row === undefined) throw new Error(`payment ${payment.bookingId}/${payment.purpose} vanished`);
  return row;
}

export async function findPayment(db: Queryable, id: string): Promise<PaymentRecord | undefined> {
  const { rows } = await db.query<PaymentRecord>(`select ${COLUMNS} from payments p where p.id = $1`, [id]);
  return rows[0];
}

export async function findPaymentByIntent(
  db: Queryable,
  intentId: string,
): Promise<PaymentRecord | undefined> {
  const { rows } = await db.query<PaymentRecord>(
    `select ${COLUMNS} from payments p where p.stripe_payment_intent_id = $1`,
    [intentId],
  );
  return rows[0];
}

/** The booking's payments, its authorization first, then its extensions in the order they were made. */
export async function paymentsOfBooking(db: Queryable, bookingId: string): Promise<PaymentRecord[]> {
  const { rows } = await db.query<PaymentRecord>(
    `select ${COLUMNS} from payments p where p.booking_id = $1 order by p.created_at, p.id`,
    [bookingId],
  );
  return rows;
}

export interface IntentState {
  intentId: string;
  status: PaymentStatus;
  capturedAmount: number;
  refundedAmount: number;
  failureCode: string | null;
  failureMessage: string | null;
}

/** Keeps what Stripe says of the payment's intent (never lowers money already seen captured or refunded). */
export async function recordIntentState(db: Queryable, paymentId: string, state: IntentState): Promise<void> {
  await db.query(
    `update payments set stripe_payment_intent_id = $2, status = $3,
            captured_amount = greatest(captured_amount, $4), refunded_amount = greatest(refunded_amount, $5),
            failure_code = $6, failure_message = $7, updated_at = now()
      where id = $1`,
    [
      paymentId,
      state.intentId,
      state.status,
      state.capturedAmount,
      state.refundedAmount,
      state.failureCode,
      state.failureMessage,
    ],
  );
}

/** Position in a newest-first list. */
export interface PaymentListCursor {
  createdAt: string;
  id: string;
}

/** A driver's payments, newest first. */
export async function listDriverPayments(
  db: Queryable,
  driverId: string,
  page: { limit: number; after?: PaymentListCursor },
): Promise<{ payments: PaymentRecord[]; next?: PaymentListCursor }> {
  const params: unknown[] = [driverId];
  let after = "";
  if (page.after) {
    params.push(page.after.createdAt, page.after.id);
    after = ` and (p.created_at, p.id) < ($2::timestamptz, $3::uuid)`;
  }
  params.push(page.limit + 1);
  const { rows } = await db.query<PaymentRecord>(
    `select ${COLUMNS} from payments p where p.driver_id = $1${after}
      order by p.created_at desc, p.id desc limit $${params.length}`,
    params,
  );
  const more = rows.length > page.limit;
  const payments = rows.slice(0, page.limit);
  const last = payments.at(-1);
  return more && last ? { payments, next: { createdAt: last.createdAt, id: last.id } } : { payments };
}

/** Who cancelled a booking and when: the status history's cancellation row. */
export async function cancellationOf(
  db: Queryable,
  bookingId: string,
): Promise<{ changedBy: string | null; at: number } | undefined> {
  const { rows } = await db.query<{ changedBy: string | null; at: string }>(
    `select changed_by as "changedBy", (extract(epoch from created_at) * 1000)::int8 as at
       from booking_status_history where booking_id = $1 and to_status = 'cancelled'
      order by id limit 1`,
    [bookingId],
  );
  const row = rows[0];
  return row === undefined ? undefined : { changedBy: row.changedBy, at: Number(row.at) };
}
