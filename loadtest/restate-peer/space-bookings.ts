// The Restate peer's decision: one virtual object per space (key = space id), Restate's single writer
// per key, holding the [start, end) of the space's bookings in Restate state. `book` takes the body
// the other peers take and decides with the domain's checkWindow, as the space actor does; a refusal
// is a TerminalError whose code the ingress answers with (409 slot_unavailable, 422 other rules, 400
// a bad body), a booking is the handler's result (200 from the ingress).
import * as restate from "@restatedev/restate-sdk";
import { z } from "zod";
import { BookingCreate } from "../../gateway/http/booking-schemas.ts";
import { type AvailabilityRules, checkWindow } from "../../src/domain/index.ts";

/** The virtual object's name: the first segment of its ingress path. */
export const SPACE_BOOKINGS = "SpaceBookings";

/**
 * The rules of the spaces the booking benchmark seeds (loadtest/booking-bench.ts): open around the
 * clock, no buffer, no notice, 15 minutes at least (the busy garage's slots; the other scenarios book
 * whole hours). One object, so the domain compiles it once.
 */
const BENCH_SPACE_RULES: AvailabilityRules = {
  timeZone: "Europe/Madrid",
  weeklyHours: [0, 1, 2, 3, 4, 5, 6].map((dayOfWeek) => ({ dayOfWeek, startMinute: 0, endMinute: 1440 })),
  exceptions: [],
  bufferMinutes: 0,
  minNoticeMinutes: 0,
  minDurationMinutes: 15,
  maxDurationMinutes: null,
};

/** The other peers' body, plus who books (they take it from the token; here it may be given). */
const BookInput = BookingCreate.extend({ driverId: z.string().max(100).optional() });

export interface SpaceBooking {
  id: string;
  spaceId: string;
  start: string;
  end: string;
  status: "confirmed";
  driverId?: string;
}

interface SpaceState {
  /** [start, end) in epoch ms of every booking that holds its slot (here: every booking). */
  bookings: [number, number][];
}

export const spaceBookings = restate.object({
  name: SPACE_BOOKINGS,
  handlers: {
    book: async (ctx: restate.ObjectContext<SpaceState>, input: unknown): Promise<SpaceBooking> => {
      const parsed = BookInput.safeParse(input);
      if (!parsed.success) throw refusal(400, "validation_failed", "invalid body");
      const body = parsed.data;
      if (body.spaceId !== ctx.key) throw refusal(400, "validation_failed", "spaceId is not this space");
      const window = { start: Date.parse(body.start), end: Date.parse(body.end) };
      const bookings = (await ctx.get("bookings")) ?? [];
      const taken = bookings.map(([start, end]) => ({ start, end }));
      // `now` = 0: reading the clock would be one more journal entry, and the benchmark's spaces
      // ask no notice of windows that all start days ahead; so no horizon either (from 0 it would
      // refuse every window), where the other peers' windows lie well inside theirs.
      const decision = checkWindow(BENCH_SPACE_RULES, taken, window, 0, Number.POSITIVE_INFINITY);
      if (!decision.ok) {
        if (decision.reason === "slot_unavailable") {
          throw refusal(409, "slot_unavailable", "this window is already taken");
        }
        throw refusal(422, decision.reason, `the window was refused: ${decision.reason}`);
      }
      ctx.set("bookings", [...bookings, [window.start, window.end]]);
      return {
        id: ctx.rand.uuidv4(),
        spaceId: ctx.key,
        start: new Date(window.start).toISOString(),
        end: new Date(window.end).toISOString(),
        status: "confirmed",
        ...(body.driverId === undefined ? {} : { driverId: body.driverId }),
      };
    },

    /** The space's bookings as [start, end) epoch ms; read-only, so it runs beside `book`. */
    bookings: restate.handlers.object.shared(
      async (ctx: restate.ObjectSharedContext<SpaceState>): Promise<[number, number][]> =>
        (await ctx.get("bookings")) ?? [],
    ),
  },
});

/** A refusal the ingress answers with `status`; the machine code rides in the error's metadata. */
function refusal(status: 400 | 409 | 422, code: string, message: string) {
  return new restate.TerminalError(message, { errorCode: status, metadata: { code } });
}
