// Which committed decisions hold or give back a driver's place among pending requests.
import { describe, expect, it } from "vitest";
import { applyAll, decide, type SpaceCommand, type SpaceState } from "../../actors/space/index.ts";
import { pendingPlaceChanges } from "../../actors/space/space-pending-places.ts";
import { DEFAULT_SPACE_POLICY, type SpacePolicy } from "../../actors/space/space-policy.ts";
import { at, HOUR, MIN, spaceState } from "../support/space-actor-fixtures.ts";

const now = at("2026-06-15T06:00:00Z");
const HOST = "host-1";

function step(state: SpaceState, command: SpaceCommand, time = now, policy = DEFAULT_SPACE_POLICY) {
  const decision = decide(state, command, time, policy);
  if (!decision.ok) throw new Error(decision.rejection.message);
  return { changes: pendingPlaceChanges(state, decision.events), state: applyAll(state, decision.events) };
}

function requested(mode: "instant" | "request", bookingId: string, policy = DEFAULT_SPACE_POLICY) {
  return step(
    spaceState({ bookingMode: mode }),
    {
      type: "requestBooking",
      commandId: `c-${bookingId}`,
      bookingId,
      driverId: "driver-1",
      start: at("2026-06-16T10:00Z"),
      end: at("2026-06-16T11:00Z"),
    },
    now,
    policy,
  );
}

describe("pendingPlaceChanges", () => {
  it("a request that waits for approval holds a place until its deadline; an instant one none", () => {
    const { changes, state } = requested("request", "b-1");
    expect(changes).toEqual([
      { kind: "hold", driverId: "driver-1", bookingId: "b-1", until: state.bookings.at(0)!.expiresAt },
    ]);
    expect(requested("instant", "b-2").changes).toEqual([]);
  });

  it("approval, rejection, cancellation and expiry give the place back", () => {
    const commands: SpaceCommand[] = [
      { type: "approve", commandId: "c-a", bookingId: "b-1", by: HOST },
      { type: "reject", commandId: "c-r", bookingId: "b-1", by: HOST },
      { type: "cancel", commandId: "c-c", bookingId: "b-1", by: "driver-1" },
    ];
    const { state } = requested("request", "b-1");
    const release = [{ kind: "release", driverId: "driver-1", bookingId: "b-1" }];
    for (const command of commands) expect(step(state, command).changes).toEqual(release);
    const expiry = step(state, { type: "expire", commandId: "c-e", bookingId: "b-1" }, now + 25 * HOUR);
    expect(expiry.changes).toEqual(release);
  });

  it("a change of a booking that was not pending touches no place", () => {
    const { state } = requested("instant", "b-2");
    expect(
      step(state, { type: "cancel", commandId: "c-x", bookingId: "b-2", by: "driver-1" }).changes,
    ).toEqual([]);
  });

  it("with payments, a request to a request-to-book space holds its place from awaiting_payment on", () => {
    const paying: SpacePolicy = { ...DEFAULT_SPACE_POLICY, paymentRequired: true };
    const { changes, state } = requested("request", "b-3", paying);
    expect(changes).toEqual([
      { kind: "hold", driverId: "driver-1", bookingId: "b-3", until: state.bookings.at(0)!.expiresAt },
    ]);
    // Authorized: now waiting for the host, held until the approval deadline.
    const authorized = step(
      state,
      { type: "paymentAuthorized", commandId: "c-p", bookingId: "b-3" },
      now + MIN,
      paying,
    );
    const until = authorized.state.bookings.at(0)!.expiresAt;
    expect(until).toBeGreaterThan(state.bookings.at(0)!.expiresAt!);
    expect(authorized.changes).toEqual([{ kind: "hold", driverId: "driver-1", bookingId: "b-3", until }]);
    const failed = step(
      state,
      { type: "paymentFailed", commandId: "c-f", bookingId: "b-3" },
      now + MIN,
      paying,
    );
    expect(failed.changes).toEqual([{ kind: "release", driverId: "driver-1", bookingId: "b-3" }]);
    // On an instant space the request never waits for the host: no place.
    const instant = requested("instant", "b-4", paying);
    expect(instant.changes).toEqual([]);
    expect(
      step(
        instant.state,
        { type: "paymentAuthorized", commandId: "c-i", bookingId: "b-4" },
        now + MIN,
        paying,
      ).changes,
    ).toEqual([]);
  });
});
