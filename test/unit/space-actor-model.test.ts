// Model-based test of the space actor: fast-check drives random command sequences (request,
// approve, reject, cancel, expire, start, end, extend, payments, schedule changes, re-delivery,
// time passing, due reminders) through decide/apply and compares every answer and every resulting
// booking with a deliberately simple model: a list of bookings, a minute-by-minute schedule check
// and a brute-force overlap check with buffers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stateWrite } from "../../actors/runtime/state-entries.ts";
import {
  applyAll,
  BookingList,
  bookingEntry,
  compareBookings,
  DEFAULT_SPACE_POLICY,
  decide,
  entriesTouchedBy,
  parseSpaceState,
  pruneSpaceState,
  type SpaceCommand,
  type SpacePolicy,
  type SpaceState,
  spaceReminders,
  spaceStateEntries,
} from "../../actors/space/index.ts";
import { type AvailabilityRules, type BookingMode, isFinal } from "../../src/domain/index.ts";

const MIN = 60_000;
const DAY = 1440 * MIN;
const T0 = Date.parse("2027-03-01T00:00:00Z");
const HOST = "host";
const PEOPLE = [HOST, "d1", "d2", "stranger"] as const;
const OPEN_FROM = 360; // 06:00 UTC
const OPEN_TO = 1320; // 22:00 UTC
const MIN_DURATION = 30;
const MAX_DURATION = 480;
const HOURLY = 300; // 5 per minute
const APPROVAL_MINUTES = 180;
const PAYMENT_MINUTES = 15;
const CLOSABLE_DATES = ["2027-03-01", "2027-03-02", "2027-03-03"];

// ---------------------------------------------------------------- the model

type Status =
  | "awaiting_payment"
  | "payment_failed"
  | "pending_approval"
  | "confirmed"
  | "active"
  | "completed"
  | "cancelled"
  | "rejected"
  | "expired";

interface ModelBooking {
  id: string;
  driverId: string;
  status: Status;
  start: number;
  end: number;
  expiresAt: number | null;
  totalAmount: number;
  commandId: string;
}

interface Model {
  now: number;
  mode: BookingMode;
  buffer: number; // minutes
  notice: number; // minutes
  closed: string[];
  paymentRequired: boolean;
  bookings: ModelBooking[];
}

const HOLDING: Status[] = ["awaiting_payment", "pending_approval", "confirmed", "active"];
const FINAL: Status[] = ["payment_failed", "completed", "cancelled", "rejected", "expired"];

function isOpenAt(model: Model, instant: number): boolean {
  const minuteOfDay = ((((instant - T0) / MIN) % 1440) + 1440) % 1440;
  const date = new Date(instant).toISOString().slice(0, 10);
  return minuteOfDay >= OPEN_FROM && minuteOfDay < OPEN_TO && !model.closed.includes(date);
}

function openThroughout(model: Model, start: number, end: number): boolean {
  for (let t = start; t < end; t += MIN) if (!isOpenAt(model, t)) return false;
  return true;
}

function clashes(model: Model, start: number, end: number, exceptId: string | null): boolean {
  const b = model.buffer * MIN;
  return model.bookings.some(
    (x) => x.id !== exceptId && HOLDING.includes(x.status) && x.start - b < end && x.end + b > start,
  );
}

const price = (start: number, end: number) => ((end - start) / MIN) * (HOURLY / 60);

function deadline(model: Model, status: Status, start: number): number | null {
  if (status === "awaiting_payment")
    return Math.min(model.now + PAYMENT_MINUTES * MIN, Math.max(start, model.now));
  if (status === "pending_approval")
    return Math.min(model.now + APPROVAL_MINUTES * MIN, Math.max(start, model.now));
  return null;
}

type Answer = string; // "ok" or a rejection code

function modelRequest(m: Model, c: Extract<SpaceCommand, { type: "requestBooking" }>): Answer {
  const existing = m.bookings.find((b) => b.id === c.bookingId);
  if (existing) return existing.commandId === c.commandId ? "ok" : "invalid_transition";
  const { start, end } = c;
  if (end <= start || start % MIN !== 0 || end % MIN !== 0) return "invalid_window";
  const minutes = (end - start) / MIN;
  if (minutes < MIN_DURATION) return "too_short";
  if (minutes > MAX_DURATION) return "too_long";
  if (start < m.now + m.notice * MIN) return "too_soon";
  if (!openThroughout(m, start, end)) return "outside_schedule";
  if (clashes(m, start, end, null)) return "slot_unavailable";
  const status: Status = m.paymentRequired
    ? "awaiting_payment"
    : m.mode === "instant"
      ? "confirmed"
      : "pending_approval";
  m.bookings.push({
    id: c.bookingId,
    driverId: c.driverId,
    status,
    start,
    end,
    expiresAt: deadline(m, status, start),
    totalAmount: price(start, end),
    commandId: c.commandId,
  });
  return "ok";
}

function modelStatusCommand(m: Model, c: SpaceCommand): Answer {
  if (c.type === "requestBooking") throw new Error("not a booking command");
  const b = m.bookings.find((x) => x.id === c.bookingId);
  if (!b) return "not_found";
  const by = "by" in c ? c.by : null;
  switch (c.type) {
    case "approve":
    case "reject": {
      if (by !== HOST) return "not_allowed";
      if (b.status !== "pending_approval") return "invalid_transition";
      if (c.type === "approve" && m.now >= b.expiresAt!) return "invalid_transition";
      b.status = c.type === "approve" ? "confirmed" : "rejected";
      b.expiresAt = null;
      return "ok";
    }
    case "cancel":
      if (by !== HOST && by !== b.driverId) return "not_allowed";
      if (FINAL.includes(b.status)) return "invalid_transition";
      b.status = "cancelled";
      b.expiresAt = null;
      return "ok";
    case "expire":
      if (b.status !== "pending_approval" && b.status !== "awaiting_payment") return "invalid_transition";
      if (m.now < b.expiresAt!) return "invalid_transition";
      b.status = "expired";
      b.expiresAt = null;
      return "ok";
    case "start":
      if (b.status !== "confirmed" || m.now < b.start) return "invalid_transition";
      b.status = "active";
      return "ok";
    case "end":
      if (b.status !== "active" || m.now < b.end) return "invalid_transition";
      b.status = "completed";
      return "ok";
    case "paymentAuthorized":
      if (b.status !== "awaiting_payment" || m.now >= b.expiresAt!) return "invalid_transition";
      b.status = m.mode === "instant" ? "confirmed" : "pending_approval";
      b.expiresAt = deadline(m, b.status, b.start);
      return "ok";
    case "paymentFailed":
      if (b.status !== "awaiting_payment") return "invalid_transition";
      b.status = "payment_failed";
      b.expiresAt = null;
      return "ok";
    case "extend": {
      if (by !== b.driverId) return "not_allowed";
      if (b.status !== "confirmed" && b.status !== "active") return "invalid_transition";
      if (c.end <= b.end || c.end % MIN !== 0) return "invalid_window";
      if ((c.end - b.start) / MIN > MAX_DURATION) return "too_long";
      if (!openThroughout(m, b.end, c.end)) return "outside_schedule";
      if (clashes(m, b.end, c.end, b.id)) return "slot_unavailable";
      b.end = c.end;
      b.totalAmount = price(b.start, c.end);
      return "ok";
    }
  }
}

/** Everything whose time has come: deadlines expire, starts activate, ends complete. */
function modelTimePasses(m: Model): void {
  for (const b of m.bookings) {
    if ((b.status === "pending_approval" || b.status === "awaiting_payment") && m.now >= b.expiresAt!) {
      b.status = "expired";
      b.expiresAt = null;
    }
    if (b.status === "confirmed" && m.now >= b.start) b.status = "active";
    if (b.status === "active" && m.now >= b.end) b.status = "completed";
  }
}

// ---------------------------------------------------------------- the actor under test

function rulesOf(m: Pick<Model, "buffer" | "notice" | "closed">): AvailabilityRules {
  return {
    timeZone: "UTC",
    weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({
      dayOfWeek,
      startMinute: OPEN_FROM,
      endMinute: OPEN_TO,
    })),
    exceptions: m.closed.map((localDate) => ({ localDate, kind: "closed" as const })),
    bufferMinutes: m.buffer,
    minNoticeMinutes: m.notice,
    minDurationMinutes: MIN_DURATION,
    maxDurationMinutes: MAX_DURATION,
  };
}

function settingsOf(m: Pick<Model, "mode" | "buffer" | "notice" | "closed">) {
  return {
    hostId: HOST,
    bookingMode: m.mode,
    currency: "EUR",
    rates: { hourly: HOURLY, daily: null, monthly: null },
    rules: rulesOf(m),
    accepting: true,
  };
}

// ---------------------------------------------------------------- random operations

type Op =
  | { kind: "request"; driver: 1 | 2; day: number; startSlot: number; slots: number; offMinute: boolean }
  | { kind: "redeliver"; pick: number }
  | { kind: "byPerson"; type: "approve" | "reject" | "cancel"; pick: number; person: number }
  | {
      kind: "bySystem";
      type: "expire" | "start" | "end" | "paymentAuthorized" | "paymentFailed";
      pick: number;
    }
  | { kind: "extend"; pick: number; person: number; slots: number }
  | { kind: "schedule"; mode: BookingMode; buffer: number; closedMask: number }
  | { kind: "advance"; slots: number }
  | { kind: "reminders" };

/** Who sends a person's command: mostly the one who may (-1), sometimes anyone. */
const person = fc.oneof(
  { weight: 3, arbitrary: fc.constant(-1) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
);
/** Closed dates: mostly none. */
const closedMask = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) },
);

/** Which booking a command names: mostly one of the latest few, sometimes one the space never had. */
const pick = fc.oneof(
  { weight: 19, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(-1) },
);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("request" as const),
      driver: fc.constantFrom(1 as const, 2 as const),
      day: fc.integer({ min: 0, max: 2 }),
      startSlot: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 24, max: 80 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 95 }) },
      ),
      slots: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 2, max: 12 }) },
        { weight: 1, arbitrary: fc.integer({ min: -1, max: 40 }) },
      ),
      offMinute: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("redeliver" as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("byPerson" as const),
      type: fc.constantFrom("approve" as const, "reject" as const, "cancel" as const),
      pick,
      person,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("bySystem" as const),
      type: fc.constantFrom(
        "expire" as const,
        "start" as const,
        "end" as const,
        "paymentAuthorized" as const,
        "paymentFailed" as const,
      ),
      pick,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("extend" as const),
      pick,
      person,
      slots: fc.integer({ min: -2, max: 20 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("schedule" as const),
      mode: fc.constantFrom("instant" as const, "request" as const),
      buffer: fc.constantFrom(0, 15, 30),
      closedMask,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), slots: fc.integer({ min: 0, max: 64 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "reminders" as const }) },
);

const setupArb: fc.Arbitrary<Setup> = fc.record({
  mode: fc.constantFrom("instant" as const, "request" as const),
  buffer: fc.constantFrom(0, 15, 30),
  notice: fc.constantFrom(0, 60),
  closedMask,
  paymentRequired: fc.boolean(),
});

const closedFrom = (mask: number) => CLOSABLE_DATES.filter((_, i) => mask & (1 << i));

function project(state: SpaceState) {
  return state.bookings
    .toArray()
    .map((b) => ({
      id: b.id,
      driverId: b.driverId,
      status: b.status,
      start: b.start,
      end: b.end,
      expiresAt: b.expiresAt,
      totalAmount: b.totalAmount,
      commandId: b.commandId,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

interface Setup {
  mode: BookingMode;
  buffer: number;
  notice: number;
  closedMask: number;
  paymentRequired: boolean;
}

/** How often each (command, answer) pair came up: the sequences must reach every path. */
const answers = new Map<string, number>();
const count = (type: string, answer: Answer) =>
  answers.set(`${type}:${answer}`, (answers.get(`${type}:${answer}`) ?? 0) + 1);

function runScenario(setup: Setup, ops: Op[]) {
  const model: Model = {
    now: T0,
    mode: setup.mode,
    buffer: setup.buffer,
    notice: setup.notice,
    closed: closedFrom(setup.closedMask),
    paymentRequired: setup.paymentRequired,
    bookings: [],
  };
  const policy: SpacePolicy = {
    ...DEFAULT_SPACE_POLICY,
    approvalWindowMinutes: APPROVAL_MINUTES,
    paymentWindowMinutes: PAYMENT_MINUTES,
    paymentRequired: setup.paymentRequired,
  };
  let state: SpaceState = { spaceId: "space", settings: settingsOf(model), bookings: BookingList.empty() };
  const requests: Extract<SpaceCommand, { type: "requestBooking" }>[] = [];
  let seq = 0;
  const targetOf = (recent: number) =>
    recent < 0
      ? undefined
      : model.bookings[model.bookings.length - 1 - (recent % Math.max(model.bookings.length, 1))];
  const idAt = (recent: number) => targetOf(recent)?.id ?? "unknown";

  // What Redis would hold: the whole state once, then only the entries each decision names.
  let stored = storedWhole(state);
  const run = (command: SpaceCommand): { real: Answer; state: SpaceState } => {
    const decision = decide(state, command, model.now, policy);
    if (!decision.ok) return { real: decision.rejection.code, state };
    const next = applyAll(state, decision.events);
    stored = patched(stored, next, entriesTouchedBy(decision.events));
    return { real: "ok", state: next };
  };

  for (const op of ops) {
    let command: SpaceCommand;
    let expected: Answer;
    switch (op.kind) {
      case "request": {
        const start = T0 + op.day * DAY + op.startSlot * 15 * MIN;
        const end = start + op.slots * 15 * MIN + (op.offMinute ? 1 : 0);
        seq++;
        const c = {
          type: "requestBooking" as const,
          commandId: `c${seq}`,
          bookingId: `b${seq}`,
          driverId: `d${op.driver}`,
          start,
          end,
        };
        requests.push(c);
        command = c;
        expected = modelRequest(model, c);
        break;
      }
      case "redeliver": {
        const c = requests[requests.length - 1 - (Math.abs(op.pick) % Math.max(requests.length, 1))];
        if (c === undefined) continue;
        command = c;
        expected = modelRequest(model, c);
        break;
      }
      case "byPerson": {
        const rightOne = op.type === "cancel" ? (targetOf(op.pick)?.driverId ?? HOST) : HOST;
        const by = op.person < 0 ? rightOne : PEOPLE[op.person]!;
        command = { type: op.type, commandId: `c${++seq}`, bookingId: idAt(op.pick), by };
        expected = modelStatusCommand(model, command);
        break;
      }
      case "bySystem":
        command = { type: op.type, commandId: `c${++seq}`, bookingId: idAt(op.pick) };
        expected = modelStatusCommand(model, command);
        break;
      case "extend": {
        const target = targetOf(op.pick);
        const end = (target?.end ?? T0) + op.slots * 15 * MIN;
        command = {
          type: "extend",
          commandId: `c${++seq}`,
          bookingId: idAt(op.pick),
          by: op.person < 0 ? (target?.driverId ?? "d1") : PEOPLE[op.person]!,
          end,
        };
        expected = modelStatusCommand(model, command);
        break;
      }
      case "schedule":
        model.mode = op.mode;
        model.buffer = op.buffer;
        model.closed = closedFrom(op.closedMask);
        // A listing change: the actor reloads its settings from the ledger and writes its state whole.
        state = { ...state, settings: settingsOf(model) };
        stored = storedWhole(state);
        continue;
      case "advance":
        model.now += op.slots * 15 * MIN;
        continue;
      case "reminders": {
        // Deliver every due reminder the actor asks for, earliest first, as the runtime would.
        const fired = new Set<string>();
        for (;;) {
          const due = spaceReminders(state)
            .filter((r) => r.at <= model.now && !fired.has(r.command.commandId))
            .sort((a, b) => a.at - b.at);
          const next = due[0];
          if (next === undefined) break;
          fired.add(next.command.commandId);
          const result = run(next.command);
          expect(result.real, `reminder ${next.key}`).toBe("ok");
          count(next.command.type, "ok");
          state = result.state;
        }
        modelTimePasses(model);
        expect(project(state)).toEqual([...model.bookings].sort((a, b) => a.id.localeCompare(b.id)));
        continue;
      }
    }
    const result = run(command);
    expect(result.real, JSON.stringify(command)).toBe(expected);
    count(command.type, expected);
    state = result.state;
    expect(project(state)).toEqual([...model.bookings].sort((a, b) => a.id.localeCompare(b.id)));
    // The state keeps its bookings in order (start, then id).
    expect([...state.bookings].sort(compareBookings)).toEqual(state.bookings.toArray());
    // The entries the decisions named are all that changed: the stored state reads back whole.
    expect(readBack(stored)).toEqual(state);
    // Pruning drops what a filter over every booking would, and names each entry it drops.
    const pruned = pruneSpaceState(state, model.now);
    expect(pruned.state.bookings.toArray()).toEqual(
      state.bookings.toArray().filter((b) => !(isFinal(b.status) && b.end <= model.now)),
    );
    expect(readBack(patched(stored, pruned.state, pruned.removed.map(bookingEntry)))).toEqual(pruned.state);
    // Whatever happened, no two bookings that hold the slot overlap.
    const holding = state.bookings.toArray().filter((b) => HOLDING.includes(b.status));
    for (const a of holding) {
      for (const b of holding) {
        if (a.id !== b.id) expect(a.start < b.end && b.start < a.end, `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
  }
}

// ---------------------------------------------------------------- the stored entries

/** A state's entries as the runtime stores them (entry key → JSON text). */
type Stored = Map<string, string>;

function storedWhole(state: SpaceState): Stored {
  const write = stateWrite(spaceStateEntries, state, "whole");
  return new Map(write?.op === "replace" ? Object.entries(write.entries) : []);
}

/** The stored entries after a change that names `touched`, as the runtime's commit patches them. */
function patched(stored: Stored, state: SpaceState, touched: readonly string[]): Stored {
  const next = new Map(stored);
  const write = stateWrite(spaceStateEntries, state, new Set(touched));
  if (write?.op !== "patch") return next;
  for (const [key, value] of Object.entries(write.set)) next.set(key, value);
  for (const key of write.remove) next.delete(key);
  return next;
}

/** The state an activation reads back from the stored entries. */
function readBack(stored: Stored): SpaceState {
  return parseSpaceState(
    spaceStateEntries.from(new Map([...stored].map(([key, value]) => [key, JSON.parse(value)]))),
  );
}

describe("space actor against a simple model", () => {
  it("answers every random command sequence as the model does", () => {
    fc.assert(
      fc.property(setupArb, fc.array(opArb, { minLength: 10, maxLength: 80 }), (setup, ops) => {
        runScenario(setup, ops);
      }),
      { numRuns: 300 },
    );
    const seen = [...answers.keys()];
    for (const code of [
      "slot_unavailable",
      "outside_schedule",
      "too_short",
      "too_long",
      "too_soon",
      "invalid_window",
      "not_found",
      "not_allowed",
      "invalid_transition",
    ]) {
      expect(seen.filter((k) => k.endsWith(`:${code}`)).length, code).toBeGreaterThan(0);
    }
    for (const type of [
      "requestBooking",
      "approve",
      "reject",
      "cancel",
      "expire",
      "start",
      "end",
      "extend",
    ]) {
      expect(answers.get(`${type}:ok`) ?? 0, `${type} accepted`).toBeGreaterThan(0);
    }
  });
});
