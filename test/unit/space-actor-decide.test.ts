// The space actor's decisions one by one: each path through requestBooking, the host's and the
// driver's commands, deadlines and time passing, extensions, payments, and every rejection code.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  applyAll,
  bookingView,
  DEFAULT_SPACE_POLICY,
  decide,
  findSpaceBooking,
  parseSpaceState,
  pruneSpaceState,
  REJECTION_STATUS,
  type RequestBooking,
  reminderChanges,
  type SpaceCommand,
  type SpaceDecision,
  type SpacePolicy,
  type SpaceState,
  spaceCommandSchema,
  spacePolicyFromConfig,
  spacePolicySchema,
  spaceReminders,
  spaceStateSchema,
} from "../../actors/space/index.ts";
import { rejectionError } from "../../actors/space/space-errors.ts";
import { at, HOUR, MIN, madridRules, spaceState } from "../support/space-actor-fixtures.ts";
import { testConfig } from "../support/test-app.ts";

const now = at("2026-06-15T06:00:00Z"); // 08:00 in Madrid
const DRIVER = "driver-1";
const OTHER = "driver-2";
const HOST = "host-1";
let seq = 0;

function request(start: string, end: string, bookingId = `b${++seq}`, driverId = DRIVER): RequestBooking {
  return {
    type: "requestBooking",
    commandId: `c-${bookingId}`,
    bookingId,
    driverId,
    start: at(start),
    end: at(end),
  };
}

function cmd(type: "approve" | "reject" | "cancel", bookingId: string, by: string): SpaceCommand {
  return { type, commandId: `c${++seq}`, bookingId, by };
}

function sys(
  type: "expire" | "start" | "end" | "paymentAuthorized" | "paymentFailed",
  bookingId: string,
): SpaceCommand {
  return { type, commandId: `c${++seq}`, bookingId };
}

/** Decides and, when accepted, applies; returns the decision and the next state. */
function step(state: SpaceState, command: SpaceCommand, time = now, policy?: SpacePolicy) {
  const decision = decide(state, command, time, policy);
  return { decision, state: decision.ok ? applyAll(state, decision.events) : state };
}

function codeOf(decision: SpaceDecision) {
  return decision.ok ? "ok" : decision.rejection.code;
}

describe("requestBooking", () => {
  it("confirms at once on an instant space, priced and fee-split, holding the slot", () => {
    const { decision, state } = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "b-1"));
    expect(decision).toMatchObject({ ok: true, bookingId: "b-1" });
    expect(findSpaceBooking(state, "b-1")).toEqual({
      id: "b-1",
      driverId: DRIVER,
      status: "confirmed",
      start: at("2026-06-16T08:00Z"),
      end: at("2026-06-16T10:00Z"),
      expiresAt: null,
      currency: "EUR",
      totalAmount: 600,
      platformFee: 60,
      hostEarnings: 540,
      commandId: "c-b-1",
    });
    const again = decide(state, request("2026-06-16T09:00Z", "2026-06-16T11:00Z"), now);
    expect(codeOf(again)).toBe("slot_unavailable");
  });

  it("waits for approval on a request-to-book space, holding the slot until the deadline", () => {
    const { state } = step(
      spaceState({ bookingMode: "request" }),
      request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "b-2"),
    );
    expect(findSpaceBooking(state, "b-2")).toMatchObject({
      status: "pending_approval",
      expiresAt: now + 24 * HOUR,
    });
    expect(codeOf(decide(state, request("2026-06-18T09:00Z", "2026-06-18T09:30Z"), now))).toBe(
      "slot_unavailable",
    );
  });

  it("a request that starts before the approval window ends expires at its start", () => {
    const start = now + 3 * HOUR;
    const { state } = step(spaceState({ bookingMode: "request" }), {
      type: "requestBooking",
      commandId: "c-soon",
      bookingId: "b-soon",
      driverId: DRIVER,
      start,
      end: start + HOUR,
    });
    expect(findSpaceBooking(state, "b-soon")?.expiresAt).toBe(start);
  });

  it("refuses a start beyond the policy's horizon with beyond_horizon", () => {
    const policy = { ...DEFAULT_SPACE_POLICY, horizonDays: 2 };
    const decision = decide(spaceState(), request("2026-06-18T08:00Z", "2026-06-18T10:00Z"), now, policy);
    expect(codeOf(decision)).toBe("beyond_horizon");
    expect(codeOf(decide(spaceState(), request("2026-06-16T10:00Z", "2026-06-16T11:00Z"), now, policy))).toBe(
      "ok",
    );
  });

  it("the approval window comes from the policy", () => {
    const policy = { ...DEFAULT_SPACE_POLICY, approvalWindowMinutes: 120 };
    const { state } = step(
      spaceState({ bookingMode: "request" }),
      request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "b-3"),
      now,
      policy,
    );
    expect(findSpaceBooking(state, "b-3")?.expiresAt).toBe(now + 2 * HOUR);
  });

  it("keeps the buffer between bookings on both sides", () => {
    const { state } = step(spaceState(), request("2026-06-16T10:00Z", "2026-06-16T11:00Z"));
    expect(codeOf(decide(state, request("2026-06-16T11:00Z", "2026-06-16T12:00Z"), now))).toBe(
      "slot_unavailable",
    );
    expect(codeOf(decide(state, request("2026-06-16T09:00Z", "2026-06-16T09:50Z"), now))).toBe(
      "slot_unavailable",
    );
    expect(codeOf(decide(state, request("2026-06-16T11:15Z", "2026-06-16T12:00Z"), now))).toBe("ok");
    expect(codeOf(decide(state, request("2026-06-16T09:00Z", "2026-06-16T09:45Z"), now))).toBe("ok");
  });

  it("rejects windows the rules refuse, each with its own code", () => {
    const state = spaceState();
    const cases: [SpaceCommand, string][] = [
      [request("2026-06-16T10:00Z", "2026-06-16T10:00Z"), "invalid_window"],
      [
        { ...request("2026-06-16T10:00Z", "2026-06-16T11:00Z"), start: at("2026-06-16T10:00Z") + 1 },
        "invalid_window",
      ],
      [request("2026-06-16T10:00Z", "2026-06-16T10:29Z"), "too_short"],
      [request("2026-06-16T08:00Z", "2026-06-16T16:01Z"), "too_long"],
      [request("2026-06-15T06:30Z", "2026-06-15T08:00Z"), "too_soon"],
      [request("2026-06-16T05:00Z", "2026-06-16T07:00Z"), "outside_schedule"],
      [request("2026-06-20T08:00Z", "2026-06-20T09:00Z"), "outside_schedule"],
    ];
    for (const [command, code] of cases) {
      const decision = decide(state, command, now);
      expect(codeOf(decision), code).toBe(code);
      expect(decision.ok ? 0 : REJECTION_STATUS[decision.rejection.code]).toBe(422);
    }
    const tooSoon = decide(state, request("2026-06-15T06:30Z", "2026-06-15T08:00Z"), now);
    expect(tooSoon.ok ? null : tooSoon.rejection.details).toEqual({
      earliestStart: "2026-06-15T07:00:00.000Z",
    });
  });

  it("refuses new requests while the space is not taking bookings", () => {
    const decision = decide(
      spaceState({ accepting: false }),
      request("2026-06-16T08:00Z", "2026-06-16T10:00Z"),
      now,
    );
    expect(codeOf(decision)).toBe("outside_schedule");
  });

  it("price_too_large when the total would not fit the ledger's integer columns", () => {
    const state = spaceState({ rates: { hourly: 2_000_000_000, daily: null, monthly: null } });
    const decision = decide(state, request("2026-06-16T08:00Z", "2026-06-16T10:00Z"), now);
    expect(codeOf(decision)).toBe("price_too_large");
    expect(rejectionError(decision.ok ? (null as never) : decision.rejection).status).toBe(422);
  });

  it("answers a re-delivered request with the booking it created, and refuses a reused booking id", () => {
    const command = request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "b-dup");
    const { state } = step(spaceState(), command);
    expect(decide(state, command, now + MIN)).toEqual({ ok: true, events: [], bookingId: "b-dup" });
    expect(codeOf(decide(state, { ...command, commandId: "another" }, now))).toBe("invalid_transition");
  });
});

describe("the host's decision and the deadline", () => {
  const pending = () =>
    step(spaceState({ bookingMode: "request" }), request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "p-1"))
      .state;

  it("the host approves: confirmed, no deadline", () => {
    const { decision, state } = step(pending(), cmd("approve", "p-1", HOST));
    expect(decision.ok && decision.events[0]).toMatchObject({
      type: "bookingStatusChanged",
      from: "pending_approval",
      to: "confirmed",
      by: HOST,
    });
    expect(findSpaceBooking(state, "p-1")).toMatchObject({ status: "confirmed", expiresAt: null });
  });

  it("only the host approves or rejects: not_allowed for the driver and strangers", () => {
    for (const type of ["approve", "reject"] as const) {
      for (const by of [DRIVER, OTHER]) {
        const decision = decide(pending(), cmd(type, "p-1", by), now);
        expect(codeOf(decision), `${type} by ${by}`).toBe("not_allowed");
        expect(decision.ok ? 0 : REJECTION_STATUS[decision.rejection.code]).toBe(403);
      }
    }
  });

  it("the host rejects: the slot reopens", () => {
    const { state } = step(pending(), cmd("reject", "p-1", HOST));
    expect(findSpaceBooking(state, "p-1")?.status).toBe("rejected");
    expect(codeOf(decide(state, request("2026-06-18T08:00Z", "2026-06-18T10:00Z"), now))).toBe("ok");
  });

  it("expire only once the deadline has come; then the slot reopens and approval is too late", () => {
    const state = pending();
    const deadline = now + 24 * HOUR;
    expect(codeOf(decide(state, sys("expire", "p-1"), deadline - 1))).toBe("invalid_transition");
    expect(codeOf(decide(state, cmd("approve", "p-1", HOST), deadline))).toBe("invalid_transition");
    const expired = step(state, sys("expire", "p-1"), deadline).state;
    expect(findSpaceBooking(expired, "p-1")?.status).toBe("expired");
    expect(codeOf(decide(expired, request("2026-06-18T08:00Z", "2026-06-18T10:00Z"), deadline))).toBe("ok");
  });

  it("invalid_transition for commands a status does not take", () => {
    const confirmed = step(pending(), cmd("approve", "p-1", HOST)).state;
    for (const command of [cmd("approve", "p-1", HOST), cmd("reject", "p-1", HOST), sys("expire", "p-1")]) {
      const decision = decide(confirmed, command, now + 30 * 24 * HOUR);
      expect(codeOf(decision), command.type).toBe("invalid_transition");
      expect(decision.ok ? 0 : REJECTION_STATUS[decision.rejection.code]).toBe(409);
    }
  });

  it("not_found for a booking the space does not have", () => {
    for (const command of [cmd("approve", "nope", HOST), cmd("cancel", "nope", DRIVER), sys("end", "nope")]) {
      expect(codeOf(decide(pending(), command, now)), command.type).toBe("not_found");
    }
    const extend = decide(
      pending(),
      { type: "extend", commandId: "x", bookingId: "nope", by: DRIVER, end: now },
      now,
    );
    expect(codeOf(extend)).toBe("not_found");
  });
});

describe("cancel", () => {
  const confirmed = () => step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "k-1")).state;

  it("the driver or the host may cancel; the slot reopens", () => {
    for (const by of [DRIVER, HOST]) {
      const { state } = step(confirmed(), cmd("cancel", "k-1", by));
      expect(findSpaceBooking(state, "k-1")?.status).toBe("cancelled");
      expect(codeOf(decide(state, request("2026-06-16T08:00Z", "2026-06-16T10:00Z"), now))).toBe("ok");
    }
  });

  it("nobody else may, and a cancelled booking cannot be cancelled again", () => {
    expect(codeOf(decide(confirmed(), cmd("cancel", "k-1", OTHER), now))).toBe("not_allowed");
    const cancelled = step(confirmed(), cmd("cancel", "k-1", DRIVER)).state;
    expect(codeOf(decide(cancelled, cmd("cancel", "k-1", DRIVER), now))).toBe("invalid_transition");
  });
});

describe("time passing", () => {
  it("confirmed → active at the start → completed at the end, never early", () => {
    let state = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "t-1")).state;
    expect(codeOf(decide(state, sys("start", "t-1"), at("2026-06-16T07:59Z")))).toBe("invalid_transition");
    expect(codeOf(decide(state, sys("end", "t-1"), at("2026-06-16T11:00Z")))).toBe("invalid_transition");
    state = step(state, sys("start", "t-1"), at("2026-06-16T08:00Z")).state;
    expect(findSpaceBooking(state, "t-1")?.status).toBe("active");
    expect(codeOf(decide(state, sys("end", "t-1"), at("2026-06-16T09:59Z")))).toBe("invalid_transition");
    state = step(state, sys("end", "t-1"), at("2026-06-16T10:00Z")).state;
    expect(findSpaceBooking(state, "t-1")?.status).toBe("completed");
  });
});

describe("extend", () => {
  const base = () => {
    let state = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "e-1")).state;
    state = step(state, request("2026-06-16T13:00Z", "2026-06-16T14:00Z", "e-2", OTHER)).state;
    return state;
  };
  const extend = (end: string, by = DRIVER, bookingId = "e-1"): SpaceCommand => ({
    type: "extend",
    commandId: `c${++seq}`,
    bookingId,
    by,
    end: at(end),
  });

  it("moves the end and reprices when the extra time is free, the booking itself left out", () => {
    const { decision, state } = step(base(), extend("2026-06-16T12:45Z"));
    expect(decision.ok && decision.events[0]).toMatchObject({
      type: "bookingExtended",
      toEnd: at("2026-06-16T12:45Z"),
    });
    expect(findSpaceBooking(state, "e-1")).toMatchObject({
      end: at("2026-06-16T12:45Z"),
      totalAmount: 1425,
      platformFee: 143,
    });
  });

  it("slot_unavailable when the extra time reaches another booking or its buffer", () => {
    expect(codeOf(decide(base(), extend("2026-06-16T12:46Z"), now))).toBe("slot_unavailable");
  });

  it("outside_schedule, too_long and invalid_window against the rules", () => {
    const state = base();
    expect(codeOf(decide(state, extend("2026-06-16T18:01Z", OTHER, "e-2"), now))).toBe("outside_schedule");
    const alone = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "e-3")).state;
    expect(codeOf(decide(alone, extend("2026-06-16T16:01Z", DRIVER, "e-3"), now))).toBe("too_long");
    expect(codeOf(decide(alone, extend("2026-06-16T10:00Z", DRIVER, "e-3"), now))).toBe("invalid_window");
    expect(codeOf(decide(alone, extend("2026-06-16T09:00Z", DRIVER, "e-3"), now))).toBe("invalid_window");
  });

  it("only the driver extends, and only a confirmed or active booking", () => {
    expect(codeOf(decide(base(), extend("2026-06-16T11:00Z", HOST), now))).toBe("not_allowed");
    const pending = step(
      spaceState({ bookingMode: "request" }),
      request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "e-4"),
    ).state;
    expect(codeOf(decide(pending, extend("2026-06-16T11:00Z", DRIVER, "e-4"), now))).toBe(
      "invalid_transition",
    );
  });

  it("price_too_large when the longer window would cost too much", () => {
    let state = step(
      spaceState({ rates: { hourly: 800_000_000, daily: null, monthly: null } }),
      request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "e-5"),
    ).state;
    expect(findSpaceBooking(state, "e-5")?.totalAmount).toBe(1_600_000_000);
    expect(codeOf(decide(state, extend("2026-06-16T11:00Z", DRIVER, "e-5"), now))).toBe("price_too_large");
    state = step(state, extend("2026-06-16T10:30Z", DRIVER, "e-5")).state;
    expect(findSpaceBooking(state, "e-5")?.totalAmount).toBe(2_000_000_000);
  });
});

describe("payment authorization (when required)", () => {
  const policy: SpacePolicy = { ...DEFAULT_SPACE_POLICY, paymentRequired: true };

  it("a request holds its slot in awaiting_payment, then goes where its mode sends it", () => {
    for (const mode of ["instant", "request"] as const) {
      let state = step(
        spaceState({ bookingMode: mode }),
        request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "pay"),
        now,
        policy,
      ).state;
      expect(findSpaceBooking(state, "pay")).toMatchObject({
        status: "awaiting_payment",
        expiresAt: now + 15 * MIN,
      });
      expect(codeOf(decide(state, request("2026-06-18T09:00Z", "2026-06-18T10:00Z"), now, policy))).toBe(
        "slot_unavailable",
      );
      expect(codeOf(decide(state, cmd("approve", "pay", HOST), now, policy))).toBe("invalid_transition");
      state = step(state, sys("paymentAuthorized", "pay"), now + MIN, policy).state;
      expect(findSpaceBooking(state, "pay")).toMatchObject(
        mode === "instant"
          ? { status: "confirmed", expiresAt: null }
          : { status: "pending_approval", expiresAt: now + MIN + 24 * HOUR },
      );
    }
  });

  it("a failed or late authorization releases the slot", () => {
    const state = step(
      spaceState(),
      request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "pay"),
      now,
      policy,
    ).state;
    const failed = step(state, sys("paymentFailed", "pay"), now + MIN, policy).state;
    expect(findSpaceBooking(failed, "pay")?.status).toBe("payment_failed");
    expect(codeOf(decide(failed, request("2026-06-18T08:00Z", "2026-06-18T10:00Z"), now, policy))).toBe("ok");
    expect(codeOf(decide(state, sys("paymentAuthorized", "pay"), now + 15 * MIN, policy))).toBe(
      "invalid_transition",
    );
    expect(
      findSpaceBooking(step(state, sys("expire", "pay"), now + 15 * MIN, policy).state, "pay")?.status,
    ).toBe("expired");
  });

  it("the deployment's policy comes from configuration, bounded the same way", () => {
    const policy = spacePolicyFromConfig(
      testConfig({
        BOOKING_APPROVAL_WINDOW_MINUTES: "120",
        PLATFORM_FEE_BASIS_POINTS: "1500",
        BOOKING_HORIZON_DAYS: "90",
      }),
    );
    expect(policy).toEqual({
      approvalWindowMinutes: 120,
      paymentWindowMinutes: 15,
      paymentRequired: false,
      feeBasisPoints: 1500,
      horizonDays: 90,
    });
    expect(() => testConfig({ BOOKING_APPROVAL_WINDOW_MINUTES: String(7 * 1440) })).toThrow(
      /BOOKING_APPROVAL_WINDOW_MINUTES/,
    );
  });

  it("the approval deadline stays well under the 7-day authorization window", () => {
    expect(
      spacePolicySchema.safeParse({ ...DEFAULT_SPACE_POLICY, approvalWindowMinutes: 6 * 1440 }).success,
    ).toBe(true);
    expect(
      spacePolicySchema.safeParse({ ...DEFAULT_SPACE_POLICY, approvalWindowMinutes: 7 * 1440 }).success,
    ).toBe(false);
  });
});

describe("changed settings, reminders, state", () => {
  it("new settings apply to new requests; bookings made under the old ones stand", () => {
    let state = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "s-1")).state;
    const closedAllDay = {
      ...madridRules,
      exceptions: [{ localDate: "2026-06-16", kind: "closed" as const }],
    };
    const settings = { ...state.settings, rules: closedAllDay, bookingMode: "request" as const };
    // What the actor holds after reloading a listing change.
    state = { ...state, settings };
    expect(state.settings).toBe(settings);
    expect(findSpaceBooking(state, "s-1")?.status).toBe("confirmed");
    expect(codeOf(decide(state, request("2026-06-16T12:00Z", "2026-06-16T13:00Z"), now))).toBe(
      "outside_schedule",
    );
  });

  it("reminders follow the booking: deadline while pending, then start and end, none once final", () => {
    const before = spaceState({ bookingMode: "request" });
    const pending = step(before, request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "r-1")).state;
    const first = reminderChanges(before, pending);
    expect(first.cancel).toEqual([]);
    expect(first.set.map((r) => [r.key, r.at, r.command.type])).toEqual([
      ["expire:r-1", now + 24 * HOUR, "expire"],
    ]);
    const confirmed = step(pending, cmd("approve", "r-1", HOST)).state;
    const second = reminderChanges(pending, confirmed);
    expect(second.cancel).toEqual(["expire:r-1"]);
    expect(second.set.map((r) => [r.key, r.at])).toEqual([
      ["start:r-1", at("2026-06-18T08:00Z")],
      ["end:r-1", at("2026-06-18T10:00Z")],
    ]);
    const extended = step(confirmed, {
      type: "extend",
      commandId: "x",
      bookingId: "r-1",
      by: DRIVER,
      end: at("2026-06-18T11:00Z"),
    }).state;
    expect(reminderChanges(confirmed, extended).set.map((r) => [r.key, r.at])).toEqual([
      ["end:r-1", at("2026-06-18T11:00Z")],
    ]);
    const cancelled = step(extended, cmd("cancel", "r-1", DRIVER)).state;
    expect(reminderChanges(extended, cancelled)).toEqual({ set: [], cancel: ["start:r-1", "end:r-1"] });
    expect(spaceReminders(cancelled)).toEqual([]);
    // A reminder's command is a valid mailbox command.
    const uuid = randomUUID();
    const real = step(spaceState(), request("2026-06-18T08:00Z", "2026-06-18T10:00Z", uuid)).state;
    const commands = spaceReminders(real).map((r) => r.command);
    expect(commands).toHaveLength(2);
    for (const command of commands) expect(spaceCommandSchema.parse(command)).toEqual(command);
  });

  it("pruning drops final bookings whose window has passed, and nothing else", () => {
    let state = step(spaceState(), request("2026-06-16T08:00Z", "2026-06-16T10:00Z", "f-1")).state;
    state = step(state, request("2026-06-17T08:00Z", "2026-06-17T10:00Z", "f-2")).state;
    state = step(state, cmd("cancel", "f-1", DRIVER)).state;
    expect(pruneSpaceState(state, now)).toEqual({ state, removed: [] });
    expect(pruneSpaceState(state, now).state).toBe(state);
    const later = pruneSpaceState(state, at("2026-06-16T10:00Z"));
    expect(later.state.bookings.toArray().map((b) => b.id)).toEqual(["f-2"]);
    expect(later.removed).toEqual(["f-1"]);
  });

  it("a booking's view for callers: ISO times, amounts, and the deadline only while pending", () => {
    const pending = step(
      spaceState({ bookingMode: "request" }),
      request("2026-06-18T08:00Z", "2026-06-18T10:00Z", "v-1"),
    ).state;
    expect(bookingView("space-1", findSpaceBooking(pending, "v-1")!)).toEqual({
      id: "v-1",
      spaceId: "space-1",
      status: "pending_approval",
      start: "2026-06-18T08:00:00.000Z",
      end: "2026-06-18T10:00:00.000Z",
      totalAmount: 600,
      platformFee: 60,
      hostEarnings: 540,
      currency: "EUR",
      expiresAt: "2026-06-16T06:00:00.000Z",
    });
    const confirmed = step(pending, cmd("approve", "v-1", HOST)).state;
    expect(bookingView("space-1", findSpaceBooking(confirmed, "v-1")!)).not.toHaveProperty("expiresAt");
  });

  it("the state survives a JSON round trip through its schema, in order", () => {
    let state = step(spaceState(), request("2026-06-17T08:00Z", "2026-06-17T10:00Z")).state;
    state = step(state, request("2026-06-16T08:00Z", "2026-06-16T10:00Z")).state;
    expect(parseSpaceState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    const shuffled = { ...state, bookings: [...state.bookings].reverse() };
    expect(parseSpaceState(JSON.parse(JSON.stringify(shuffled)))).toEqual(state);
    expect(spaceStateSchema.safeParse({ ...JSON.parse(JSON.stringify(state)), extra: 1 }).success).toBe(
      false,
    );
  });

  it("the command schema refuses unknown fields and types", () => {
    const good = {
      ...request("2026-06-16T08:00Z", "2026-06-16T10:00Z", randomUUID()),
      driverId: randomUUID(),
    };
    expect(spaceCommandSchema.safeParse(good).success).toBe(true);
    expect(spaceCommandSchema.safeParse({ ...good, bookingId: "b-1" }).success).toBe(false);
    expect(spaceCommandSchema.safeParse({ ...good, price: 1 }).success).toBe(false);
    expect(spaceCommandSchema.safeParse({ ...good, type: "teleport" }).success).toBe(false);
    expect(spaceCommandSchema.safeParse({ ...good, end: 9e15 }).success).toBe(false);
    expect(spaceCommandSchema.safeParse({ ...good, start: good.start + 0.5 }).success).toBe(false);
    expect(
      spaceCommandSchema.safeParse({ type: "expire", commandId: "x", bookingId: good.bookingId, by: HOST })
        .success,
    ).toBe(false);
    expect(
      spaceCommandSchema.safeParse({ type: "expire", commandId: "x", bookingId: good.bookingId }).success,
    ).toBe(true);
  });
});
