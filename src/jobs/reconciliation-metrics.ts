// What the reconciliation pass reports to Prometheus: repairs by kind, and passes by outcome.
import { Counter, type Registry } from "prom-client";

/** expired: a request's deadline had passed with no reminder; reminder_rearmed: a start, end or
 * deadline reminder was missing or moved; cell_rebuilt: a live cell disagreed with the ledger. */
export const REPAIR_KINDS = ["expired", "reminder_rearmed", "cell_rebuilt"] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

export function createReconcileMetrics(registry: Registry) {
  const repairs = new Counter({
    name: "reconcile_repairs_total",
    help: "Repairs made by reconciliation passes, by kind (expired, reminder_rearmed, cell_rebuilt)",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const passes = new Counter({
    name: "reconcile_passes_total",
    help: "Reconciliation passes run, by outcome (ok, failed)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  // Every series from the start, at 0: a rate over them needs no first repair.
  for (const kind of REPAIR_KINDS) repairs.inc({ kind }, 0);
  for (const outcome of ["ok", "failed"] as const) passes.inc({ outcome }, 0);
  return { repairs, passes };
}

export type ReconcileMetrics = ReturnType<typeof createReconcileMetrics>;
