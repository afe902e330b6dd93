// The domain's public door: availability rules, free intervals, booking-window decisions, pricing,
// cancellation refunds, hosts' payment-account readiness, the booking state machine and roles. Pure functions over plain data; callers own all I/O.

export {
  checkWindow,
  DEFAULT_BOOKING_HORIZON_DAYS,
  freeIntervals,
  isOpenThroughout,
  MAX_QUERY_MS,
  openIntervals,
  type WindowDecision,
  type WindowRejection,
  type WindowRejectionReason,
} from "./availability.ts";
export {
  type AvailabilityRules,
  availabilityRulesSchema,
  type DateException,
  dateExceptionSchema,
  MAX_WINDOW_MINUTES,
  type WeeklyHours,
  weeklyHoursSchema,
} from "./availability-rules.ts";
export {
  type BookingAction,
  type BookingParties,
  mayActOnBooking,
  mayTransition,
  partsPlayed,
  refusalMessage,
} from "./booking-access.ts";
export {
  actorsFor,
  BOOKING_STATUSES,
  BOOKING_TRANSITIONS,
  type BookingStatus,
  type BookingTransition,
  bookingStatusSchema,
  FINAL_STATUSES,
  holdsSlot,
  initialStatus,
  isFinal,
  nextStatus,
  type TransitionActor,
  type TransitionRule,
} from "./booking-status.ts";
export {
  CANCELLATION_TIERS,
  type CancellationPolicy,
  type CancellationRequest,
  type CancellingParty,
  cancellationPolicies,
  cancellationPolicySchema,
  cancellingParties,
  DEFAULT_CANCELLATION_POLICY,
  type PaidBooking,
  type RefundDecision,
  type RefundTier,
  type RefundTierName,
  refundForCancellation,
} from "./cancellation-policy.ts";
export {
  type DateExceptionEntry,
  findExceptionOverlap,
  toExceptionEntry,
  toExceptionRow,
} from "./date-exceptions.ts";
export { containsWindow, type Interval, MS_PER_DAY, MS_PER_MINUTE } from "./intervals.ts";
export { canonicalTimeZone, isCountryCode, isCurrencyCode } from "./locale-codes.ts";
export {
  findOverlap,
  formatClock,
  type OpeningHoursEntry,
  parseClock,
  toEntry,
  toWeeklyRow,
  type WeeklyHoursRow,
} from "./opening-hours.ts";
export {
  type PaymentAccountFlags,
  type PaymentAccountReadiness,
  type PaymentAccountStatus,
  paymentAccountReadiness,
} from "./payment-account-status.ts";
export {
  MAX_PRICED_MINUTES,
  MONTHLY_MIN_MINUTES,
  type PriceBreakdown,
  priceForDuration,
  priceWindow,
  type SpaceRates,
  splitPlatformFee,
} from "./pricing.ts";
export { hasAnyRole, type Role, roleSchema, rolesForSignup } from "./roles.ts";
export { bookingsOutsideRules } from "./schedule-change.ts";
export {
  type Amenity,
  amenitySchema,
  type BookingMode,
  bookingModeSchema,
  SLOT_HOLDING_STATUSES,
  type SpaceSize,
  type SpaceStatus,
  type SpaceType,
  spaceSizeSchema,
  spaceStatusSchema,
  spaceTypeSchema,
} from "./space-listing.ts";
export { isKnownTimeZone } from "./zone-clock.ts";
