// /api/v1/spaces/{id}/availability: hosts replace a space's weekly schedule and date exceptions
// (refused while it would leave a booking outside the new hours); anyone reads the free intervals of
// a window, in UTC and in the space's local time.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { freeIntervals } from "../../../src/domain/availability.ts";
import { availabilityRulesSchema } from "../../../src/domain/availability-rules.ts";
import { toExceptionRow } from "../../../src/domain/date-exceptions.ts";
import { MS_PER_DAY, MS_PER_MINUTE } from "../../../src/domain/intervals.ts";
import { toWeeklyRow } from "../../../src/domain/opening-hours.ts";
import { bookingsOutsideRules } from "../../../src/domain/schedule-change.ts";
import { AppError, errors } from "../../../src/errors.ts";
import { withTransaction } from "../../../src/storage/postgres.ts";
import * as availabilityRepo from "../../../src/storage/space-availability-repository.ts";
import * as spacesRepo from "../../../src/storage/spaces-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { currentUser, requireRole } from "../middleware/authenticate.ts";
import { anyone, bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { lockSpaceForChange } from "../space-access.ts";
import {
  AvailabilityChange,
  type AvailabilityChangeInput,
  AvailabilityQuery,
  AvailabilityRulesView,
  AvailabilityView,
  DEFAULT_AVAILABILITY_WINDOW_DAYS,
  MAX_AVAILABILITY_WINDOW_DAYS,
} from "../space-availability-schemas.ts";
import { localToday, toFreeIntervalView, toRulesView } from "../space-availability-view.ts";
import { SpaceParams } from "../space-schemas.ts";

const tags = ["spaces"];

const changeAvailability = createRoute({
  method: "post",
  path: "/spaces/{id}/availability",
  operationId: "setSpaceAvailability",
  tags,
  security: bearerSecurity,
  middleware: requireRole("host"),
  summary:
    "Replace a space's weekly schedule and/or date exceptions (each part sent is replaced whole); refused with the bookings listed when a booking would fall outside the new hours",
  request: { params: SpaceParams, body: jsonBody(AvailabilityChange) },
  responses: {
    200: jsonResponse(AvailabilityRulesView, "The rules now in force"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
  },
});

const readAvailability = createRoute({
  method: "get",
  path: "/spaces/{id}/availability",
  operationId: "getSpaceAvailability",
  security: anyone,
  tags,
  summary: `Free intervals of a space in [from, to) (at most ${MAX_AVAILABILITY_WINDOW_DAYS} days), in UTC and local time (public)`,
  request: { params: SpaceParams, query: AvailabilityQuery },
  responses: {
    200: jsonResponse(AvailabilityView, "Open hours minus bookings and holds (with buffers)"),
    400: errorResponses[400],
    404: errorResponses[404],
  },
});

/** Clashing bookings listed in a refusal; the message gives the full count. */
const LISTED = 50;

/** Dates before the space's local today would change nothing: most likely a wrong year. */
function refusePastExceptions(
  exceptions: NonNullable<AvailabilityChangeInput["exceptions"]>,
  timeZone: string,
) {
  const today = localToday(timeZone);
  const past = exceptions.flatMap((e, index) =>
    e.date < today
      ? [{ path: `exceptions.${index}.date`, message: `is before today (${today} in ${timeZone})` }]
      : [],
  );
  if (past.length > 0) throw errors.validation(`invalid body: ${past[0]!.path}: ${past[0]!.message}`, past);
}

export function spaceAvailabilityRoutes(deps: AppDeps) {
  const { pool, config } = deps;

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(changeAvailability, async (c) => {
      const user = currentUser(c);
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const { rules, before } = await withTransaction(pool, async (tx) => {
        // The lock makes bookings of this space wait, so none slips in between the check and the write.
        await lockSpaceForChange(tx, id, user);
        const current = (await availabilityRepo.loadAvailability(tx, id))!;
        if (body.exceptions) refusePastExceptions(body.exceptions, current.rules.timeZone);
        const next = availabilityRulesSchema.parse({
          ...current.rules,
          weeklyHours: body.schedule ? body.schedule.map(toWeeklyRow) : current.rules.weeklyHours,
          exceptions: body.exceptions ? body.exceptions.map(toExceptionRow) : current.rules.exceptions,
        });
        const now = Date.now();
        const held = await availabilityRepo.heldSlots(tx, id, new Date(now));
        const clashes = bookingsOutsideRules(next, held, now);
        if (clashes.length > 0) {
          throw new AppError(
            "schedule_conflicts_with_bookings",
            409,
            `${clashes.length} booking(s) would fall outside the new hours; cancel them first or keep their hours open`,
            {
              total: clashes.length,
              bookings: clashes.slice(0, LISTED).map((b) => ({
                id: b.id,
                status: b.status,
                start: new Date(b.start).toISOString(),
                end: new Date(b.end).toISOString(),
              })),
            },
          );
        }
        if (body.schedule) await availabilityRepo.replaceWeeklyHours(tx, id, next.weeklyHours);
        if (body.exceptions) await availabilityRepo.replaceDateExceptions(tx, id, next.exceptions);
        await spacesRepo.updateSpace(tx, id, {});
        await spacesRepo.recordSpaceEvent(tx, id, "space_schedule_changed", {
          cell: current.cell,
          shardCell: current.shardCell,
          changed: [...(body.schedule ? ["schedule"] : []), ...(body.exceptions ? ["exceptions"] : [])],
        });
        return { rules: next, before: { cell: current.cell, shardCell: current.shardCell } };
      });
      await deps.spaceCommands.listingChanged(id, before);
      return c.json({ spaceId: id, ...toRulesView(rules) }, 200);
    })
    .openapi(readAvailability, async (c) => {
      const { id } = c.req.valid("param");
      const query = c.req.valid("query");
      const space = await availabilityRepo.loadAvailability(pool, id);
      if (!space || space.status === "deleted") throw errors.notFound("space");
      const now = Math.floor(Date.now() / MS_PER_MINUTE) * MS_PER_MINUTE;
      const from = query.from ? Date.parse(query.from) : now;
      const to = query.to ? Date.parse(query.to) : from + DEFAULT_AVAILABILITY_WINDOW_DAYS * MS_PER_DAY;
      if (to <= from)
        throw errors.validation("invalid query: to: must be after from", [
          { path: "to", message: "must be after from" },
        ]);
      if (from > now + config.AVAILABILITY_MAX_LEAD_DAYS * MS_PER_DAY) {
        const message = `must be at most ${config.AVAILABILITY_MAX_LEAD_DAYS} days from now`;
        throw errors.validation(`invalid query: from: ${message}`, [{ path: "from", message }]);
      }
      if (to - from > MAX_AVAILABILITY_WINDOW_DAYS * MS_PER_DAY) {
        const message = `must be at most ${MAX_AVAILABILITY_WINDOW_DAYS} days after from`;
        throw errors.validation(`invalid query: to: ${message}`, [{ path: "to", message }]);
      }
      // Time already past is not free: the window answered starts now at the earliest.
      const start = Math.min(Math.max(from, now), to);
      const { rules } = space;
      let free: ReturnType<typeof freeIntervals> = [];
      if (space.status === "active" && start < to) {
        const buffer = rules.bufferMinutes * MS_PER_MINUTE;
        const held = await availabilityRepo.heldSlots(
          pool,
          id,
          new Date(start - buffer),
          new Date(to + buffer),
        );
        free = freeIntervals(rules, held, start, to);
      }
      return c.json(
        {
          spaceId: id,
          status: space.status,
          from: new Date(start).toISOString(),
          to: new Date(to).toISOString(),
          free: free.map((interval) => toFreeIntervalView(interval, rules.timeZone)),
          ...toRulesView(rules),
        },
        200,
      );
    });
}
