// The booking benchmark's payments-on-against-off table and paying-loop lines: each paid run is
// divided by its own round's unpaid run, medians of the rounds, payments summed as they happened.
import { describe, expect, it } from "vitest";
import { type LoadKind, payingLines, paymentsTable, type Row } from "../../loadtest/booking-bench-report.ts";
import type { PayingSummary } from "../../loadtest/booking-paying-loop.ts";

const OFF = "(c) one hot space";
const ON = "(c) one hot space, payments on";

function row(
  scenario: string,
  load: LoadKind,
  round: number,
  decided: number,
  p99Ms: number,
  payments?: PayingSummary,
): Row {
  return {
    scenario,
    peer: "ours",
    load,
    round,
    rate: undefined,
    result: {
      requests: decided,
      seconds: 10,
      p50Ms: 1,
      p99Ms,
      maxMs: p99Ms,
      socketErrors: 0,
      statuses: { 201: 100, 409: decided - 100 },
    },
    overlaps: 0,
    loadAverage: 1,
    cpu: undefined,
    work: undefined,
    redisCommands: undefined,
    payments,
  };
}

const paid = (duringStorm: number, after: number, extra: Partial<PayingSummary> = {}): PayingSummary => ({
  paid: duringStorm + after,
  duringStorm,
  failed: {},
  unpaid: 0,
  p50Ms: 500,
  p99Ms: 900,
  ...extra,
});

describe("paymentsTable", () => {
  it("divides each paid run by its own round's unpaid run and the medians by each other", () => {
    const rows = [
      row(OFF, "max", 1, 10_000, 100),
      row(ON, "max", 1, 9_000, 120, paid(90, 10)),
      row(OFF, "max", 2, 20_000, 80),
      row(ON, "max", 2, 10_000, 150, paid(100, 0)),
      row(OFF, "max", 3, 30_000, 60),
      row(ON, "max", 3, 24_000, 90, paid(95, 5, { failed: { "409 payment_exists": 2 }, unpaid: 3 })),
    ];
    const lines = paymentsTable(rows, [{ off: OFF, on: ON }]).split("\n");
    expect(lines).toHaveLength(3); // header, separator, the max row (no paced rows here)
    const cells = lines[2]!.split(" | ");
    expect(cells[1]).toBe("max, keys");
    expect(cells[3]).toBe("2,000 (1,000–3,000)");
    expect(cells[4]).toBe("1,000 (900–2,400)");
    expect(cells[5]).toBe("0.50");
    expect(cells[6]).toBe("0.90, 0.50, 0.80");
    expect(cells[9]).toBe("95 (90–100)");
    expect(cells[10]).toBe("5 (0–10)");
    expect(cells[12]).toBe("2, 3 |");
  });

  it("leaves out a pair whose unpaid twin did not run", () => {
    const rows = [row(ON, "max", 1, 9_000, 120, paid(90, 10))];
    expect(paymentsTable(rows, [{ off: OFF, on: ON }]).split("\n")).toHaveLength(2);
  });
});

describe("payingLines", () => {
  it("says per paid run what was paid during and after the storm, what failed and what stayed unpaid", () => {
    const rows = [
      row(OFF, "max", 1, 10_000, 100),
      row(
        ON,
        "paced",
        1,
        5_000,
        100,
        paid(40, 2, { failed: { "503 payment_provider_unavailable": 1 }, unpaid: 4 }),
      ),
    ];
    expect(payingLines(rows)).toEqual([
      `${ON}, paced, keys, round 1: 42 paid (40 during the storm, 2 after it), p50 500.0 ms, p99 900.0 ms; ` +
        "failed: 1× 503 payment_provider_unavailable; left unpaid: 4",
    ]);
  });
});
