// Public door of live availability state: the publish contract the space actor calls, the reads
// the live gateway makes, the key layout and the host approval prompts.

export { type BoundaryCheck, type BoundaryRefresh, refreshCellBoundaries } from "./boundary-refresh.ts";
export { cellDrift } from "./cell-drift.ts";
export {
  type AggregateKeys,
  aggregateKeys,
  type CellKeys,
  cellKeys,
  type LiveResolutions,
  parseLiveChannel,
} from "./cell-keys.ts";
export { type AggregateCounts, type CellRead, readAggregates, readCell } from "./cell-reader.ts";
export {
  type CellPosition,
  ensureCellBuilt,
  ensureCellsBuilt,
  loadCellFromLedger,
  loadCellsFromLedger,
} from "./cell-rebuild.ts";
export { type CellRepairOptions, repairCells } from "./cell-repair.ts";
export {
  type ApprovalRequest,
  approvalRequestSchema,
  encodeApprovalRequest,
  hostOfPromptChannel,
  hostPromptKeys,
  notifyApprovalRequest,
  pendingApprovalRequests,
  type ResolvedStatus,
  resolveApprovalRequest,
  resolvedStatusSchema,
} from "./host-prompts.ts";
export {
  LIVE_HORIZON_MS,
  type LiveBooking,
  liveStateFromLedger,
  liveStateFromRules,
} from "./ledger-live-state.ts";
export { createLiveContext, type LiveContext, liveResolutions } from "./live-context.ts";
export {
  type PublishOptions,
  type PublishResult,
  publishSpaceChange,
  refreshSpaceState,
  removeSpaceFromCell,
} from "./publisher.ts";
export { boundaryOf, type DueSpaces, dueSpaces, type StoredSpace } from "./space-boundaries.ts";
export {
  encodeSpaceLiveState,
  type LiveState,
  liveStateSchema,
  liveStates,
  type SpaceLiveState,
  spaceLiveStateSchema,
} from "./space-live-state.ts";
