// The booking state machine table: slot holding, final statuses, who may move what where, and the
// payment states that come first when payments are required.
import { describe, expect, it } from "vitest";
import {
  actorsFor,
  BOOKING_STATUSES,
  BOOKING_TRANSITIONS,
  FINAL_STATUSES,
  holdsSlot,
  initialStatus,
  isFinal,
  nextStatus,
} from "../../src/domain/index.ts";

describe("booking statuses", () => {
  it("exactly awaiting_payment, pending_approval, confirmed and active hold the slot", () => {
    expect(BOOKING_STATUSES.filter(holdsSlot)).toEqual([
      "awaiting_payment",
      "pending_approval",
      "confirmed",
      "active",
    ]);
  });

  it("every status either holds the slot or is final, never both", () => {
    for (const status of BOOKING_STATUSES) expect(holdsSlot(status) && isFinal(status), status).toBe(false);
    expect(BOOKING_STATUSES.filter((s) => !holdsSlot(s) && !isFinal(s))).toEqual([]);
  });

  it("final statuses have no way out", () => {
    for (const rule of BOOKING_TRANSITIONS) expect(FINAL_STATUSES, rule.transition).not.toContain(rule.from);
  });

  it("every non-final status can be cancelled by the driver or the host", () => {
    for (const status of BOOKING_STATUSES.filter((s) => !isFinal(s))) {
      expect(nextStatus(status, "cancel", "instant"), status).toBe("cancelled");
    }
    expect(actorsFor("cancel")).toEqual(["driver", "host"]);
  });

  it("only the host approves or rejects; only the system expires, starts and ends", () => {
    expect(actorsFor("approve")).toEqual(["host"]);
    expect(actorsFor("reject")).toEqual(["host"]);
    for (const t of ["expire", "start", "end", "payment_authorized", "payment_failed"] as const) {
      expect(actorsFor(t), t).toEqual(["system"]);
    }
    expect(actorsFor("extend")).toEqual(["driver"]);
  });

  it("the life of a booking in each mode", () => {
    expect(nextStatus("pending_approval", "approve", "request")).toBe("confirmed");
    expect(nextStatus("pending_approval", "reject", "request")).toBe("rejected");
    expect(nextStatus("pending_approval", "expire", "request")).toBe("expired");
    expect(nextStatus("confirmed", "start", "instant")).toBe("active");
    expect(nextStatus("active", "end", "instant")).toBe("completed");
    expect(nextStatus("confirmed", "approve", "request")).toBeUndefined();
    expect(nextStatus("confirmed", "end", "instant")).toBeUndefined();
    expect(nextStatus("pending_approval", "start", "request")).toBeUndefined();
    expect(nextStatus("completed", "cancel", "instant")).toBeUndefined();
  });

  it("payment: a request waits for its authorization, then goes where its mode sends it", () => {
    expect(initialStatus("instant", true)).toBe("awaiting_payment");
    expect(initialStatus("request", true)).toBe("awaiting_payment");
    expect(initialStatus("instant", false)).toBe("confirmed");
    expect(initialStatus("request", false)).toBe("pending_approval");
    expect(nextStatus("awaiting_payment", "payment_authorized", "instant")).toBe("confirmed");
    expect(nextStatus("awaiting_payment", "payment_authorized", "request")).toBe("pending_approval");
    expect(nextStatus("awaiting_payment", "payment_failed", "request")).toBe("payment_failed");
    expect(nextStatus("awaiting_payment", "expire", "instant")).toBe("expired");
    expect(nextStatus("awaiting_payment", "approve", "request")).toBeUndefined();
  });

  it("extend keeps the status and only settled bookings may be extended", () => {
    expect(nextStatus("confirmed", "extend", "instant")).toBe("confirmed");
    expect(nextStatus("active", "extend", "instant")).toBe("active");
    expect(nextStatus("pending_approval", "extend", "request")).toBeUndefined();
    expect(nextStatus("awaiting_payment", "extend", "instant")).toBeUndefined();
  });
});
