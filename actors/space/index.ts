// The space actor's public door: pure decisions over its state, the reminders it needs, and the
// PostgreSQL commit and load paths the runtime wraps around them.
export { apply, applyAll } from "./apply.ts";
export { type BookingView, bookingView, type ViewableBooking } from "./booking-view.ts";
export { decide, MAX_AMOUNT, takenIntervals } from "./decide.ts";
export { RequestCommitGroup, type RequestCommitGroupOptions } from "./request-commit-group.ts";
export {
  createSpaceActor,
  SPACE_ACTOR_TYPE,
  type SpaceActor,
  type SpaceActorOptions,
  type SpaceActorReply,
} from "./space-actor.ts";
export {
  type ListingChangedCommand,
  listingChangedCommandSchema,
  REJECTION_STATUS,
  type RequestBooking,
  requestBookingSchema,
  type SpaceActorCommand,
  type SpaceCommand,
  type SpaceCommandType,
  type SpaceDecision,
  type SpaceEvent,
  type SpaceRejection,
  type SpaceRejectionCode,
  spaceActorCommandSchema,
  spaceCommandSchema,
  type Vehicle,
  vehicleSchema,
} from "./space-commands.ts";
export { bookingEntry, entriesTouchedBy, SPACE_ENTRY, spaceStateEntries } from "./space-entries.ts";
export { ledgerRejectionError, rejectionError } from "./space-errors.ts";
export {
  BOOKING_COLUMNS,
  type CommandRecord,
  commitSpaceBatch,
  findBooking,
  findCommandRecords,
  type LedgerBooking,
  type LedgerCommit,
  type LedgerRejectionCode,
  RecordedCommands,
  type RequestBatch,
  type RequestWriter,
  requestBatchOf,
  writeRequestBatches,
} from "./space-ledger.ts";
export { SpaceLivePublisher } from "./space-live-publisher.ts";
export { loadSpaceState } from "./space-loader.ts";
export {
  applyPendingPlaceChanges,
  type PendingPlaceChange,
  pendingPlaceChanges,
  takesPendingPlace,
} from "./space-pending-places.ts";
export {
  DEFAULT_SPACE_POLICY,
  MAX_APPROVAL_WINDOW_MINUTES,
  type SpacePolicy,
  spacePolicyFromConfig,
  spacePolicySchema,
} from "./space-policy.ts";
export {
  bookingReminders,
  type ReminderBooking,
  reminderChanges,
  type SpaceReminder,
  spaceReminders,
} from "./space-reminders.ts";
export {
  BookingList,
  compareBookings,
  findSpaceBooking,
  parseSpaceState,
  pruneSpaceState,
  type SpaceBooking,
  type SpaceSettings,
  type SpaceState,
  spaceBookingSchema,
  spaceSettingsSchema,
  spaceStateSchema,
  storedSpaceStateSchema,
  withBooking,
} from "./space-state.ts";
