// Request and response schemas of /api/v1/spaces/{id}/availability: the weekly schedule and date
// exceptions a host sends (strict; overlaps, bad dates and reversed hours are 400s naming the field),
// the free-intervals query, and what the API answers.
import { z } from "@hono/zod-openapi";
import { findExceptionOverlap, toExceptionRow } from "../../src/domain/date-exceptions.ts";
import { MS_PER_DAY } from "../../src/domain/intervals.ts";
import { parseClock } from "../../src/domain/opening-hours.ts";
import { spaceStatuses } from "../../src/domain/space-listing.ts";
import { ScheduleInput } from "./space-schemas.ts";

/** Longest window GET /availability answers for. */
export const MAX_AVAILABILITY_WINDOW_DAYS = 31;
export const DEFAULT_AVAILABILITY_WINDOW_DAYS = 7;
/** How far ahead a date exception may be set (a date further out is most likely a typo). */
export const MAX_EXCEPTION_DAYS_AHEAD = 730;
export const MAX_EXCEPTIONS = 500;

const clock = (allowEndOfDay: boolean) =>
  z
    .string()
    .refine(
      (v) => parseClock(v, allowEndOfDay) !== undefined,
      allowEndOfDay ? "must be HH:MM between 00:00 and 24:00" : "must be HH:MM between 00:00 and 23:59",
    );

const dateWithinHorizon = (date: string) =>
  Date.parse(`${date}T00:00:00Z`) <= Date.now() + MAX_EXCEPTION_DAYS_AHEAD * MS_PER_DAY;

export const DateExceptionInput = z
  .strictObject({
    date: z.iso
      .date("must be a calendar date YYYY-MM-DD")
      .refine(dateWithinHorizon, `must be at most ${MAX_EXCEPTION_DAYS_AHEAD} days ahead`)
      .openapi({ description: "local date in the space's time zone" }),
    kind: z.enum(["closed", "open"]).openapi({ description: "closed: no parking; open: extra hours" }),
    start: clock(false).nullable().optional(),
    end: clock(true)
      .nullable()
      .optional()
      .openapi({ description: "after start, on the same date (24:00 = midnight at its end)" }),
  })
  .superRefine((e, ctx) => {
    const hasStart = e.start != null;
    const hasEnd = e.end != null;
    if (hasStart !== hasEnd) {
      ctx.addIssue({
        code: "custom",
        path: [hasStart ? "end" : "start"],
        message: "give both start and end or neither",
      });
      return;
    }
    if (!hasStart) {
      if (e.kind === "open")
        ctx.addIssue({ code: "custom", path: ["start"], message: "extra opening hours need start and end" });
      return;
    }
    const start = parseClock(e.start!);
    const end = parseClock(e.end!, true);
    if (start !== undefined && end !== undefined && end <= start) {
      ctx.addIssue({
        code: "custom",
        path: ["end"],
        message: "must be after start (hours past midnight go in an exception for the next date)",
      });
    }
  })
  .openapi("DateException", { example: { date: "2026-12-25", kind: "closed" } });

export const ExceptionsInput = z
  .array(DateExceptionInput)
  .max(MAX_EXCEPTIONS)
  .superRefine((entries, ctx) => {
    // Refinements also run after continuable issues: compare only when every entry is well formed.
    if (!entries.every((e) => DateExceptionInput.safeParse(e).success)) return;
    const overlap = findExceptionOverlap(entries.map(toExceptionRow));
    if (overlap) {
      ctx.addIssue({
        code: "custom",
        path: [overlap[1]],
        message: `overlaps exception ${overlap[0]} (same date and kind)`,
      });
    }
  });

export const AvailabilityChange = z
  .strictObject({
    schedule: ScheduleInput.optional().openapi({
      description: "replaces the whole weekly schedule (end at or before start: overnight)",
    }),
    exceptions: ExceptionsInput.optional().openapi({
      description: "replaces every date exception ([] removes them all)",
    }),
  })
  .refine((body) => body.schedule !== undefined || body.exceptions !== undefined, {
    message: "send schedule, exceptions or both",
  })
  .openapi("AvailabilityChange");
export type AvailabilityChangeInput = z.infer<typeof AvailabilityChange>;

const instant = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with offset or Z" });

export const AvailabilityQuery = z.strictObject({
  from: instant.optional().openapi({ description: "default now; times before now are not free" }),
  to: instant.optional().openapi({
    description: `default from + ${DEFAULT_AVAILABILITY_WINDOW_DAYS} days; at most ${MAX_AVAILABILITY_WINDOW_DAYS} days after from`,
  }),
});

const OpeningHoursView = z.object({
  dayOfWeek: z.number().int(),
  start: z.string(),
  end: z.string(),
  startMinute: z.number().int(),
  endMinute: z.number().int(),
});

const DateExceptionView = z.object({
  date: z.string(),
  kind: z.enum(["closed", "open"]),
  start: z.string().nullable(),
  end: z.string().nullable(),
});

export const AvailabilityRulesView = z
  .object({
    spaceId: z.uuid(),
    timeZone: z.string(),
    schedule: z.array(OpeningHoursView),
    exceptions: z.array(DateExceptionView).openapi({ description: "from the space's local today on" }),
  })
  .openapi("AvailabilityRules");

export const FreeIntervalView = z
  .object({
    start: z.string().openapi({ description: "UTC, ISO 8601", example: "2027-03-28T00:00:00.000Z" }),
    end: z.string().openapi({ example: "2027-03-28T04:00:00.000Z" }),
    localStart: z.string().openapi({
      description: "the space's local time with its offset",
      example: "2027-03-28T01:00:00.000+01:00",
    }),
    localEnd: z.string().openapi({ example: "2027-03-28T06:00:00.000+02:00" }),
    timeZone: z.string().openapi({ example: "Europe/Madrid" }),
    minutes: z.number().int(),
  })
  .openapi("FreeInterval");

export const AvailabilityView = z
  .object({
    spaceId: z.uuid(),
    status: z.enum(spaceStatuses).openapi({ description: "an inactive space has no free intervals" }),
    timeZone: z.string(),
    from: z.string().openapi({ description: "the window answered (UTC): from is never before now" }),
    to: z.string(),
    free: z.array(FreeIntervalView),
    schedule: z.array(OpeningHoursView),
    exceptions: z.array(DateExceptionView).openapi({ description: "from the space's local today on" }),
  })
  .openapi("Availability");
