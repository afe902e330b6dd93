// The domain's public door: availability rules, free intervals, booking-window decisions, pricing,
// the booking state machine and roles. Pure functions over plain data; callers own all I/O.

export {
  checkWindow,
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
  actorsFor,
  BOOKING_MODES,
  BOOKING_STATUSES,
  BOOKING_TRANSITIONS,
  type BookingMode,
  type BookingStatus,
  type BookingTransition,
  bookingModeSchema,
  bookingStatusSchema,
  FINAL_STATUSES,
  holdsSlot,
  initialStatus,
  isFinal,
  nextStatus,
  SLOT_HOLDING_STATUSES,
  type TransitionActor,
  type TransitionRule,
} from "./booking-status.ts";
export { containsWindow, type Interval, MS_PER_DAY, MS_PER_MINUTE } from "./intervals.ts";
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
export { isKnownTimeZone } from "./zone-clock.ts";
