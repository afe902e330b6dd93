// A space's availability rules as plain data (mirroring parking_spaces, space_availability and
// space_availability_exceptions), the zod schema that guards them at boundaries, and their compiled
// form (indexed by weekday and local date) that the hot-path functions work on.
import { z } from "zod";
import { MS_PER_DAY, MS_PER_MINUTE } from "./intervals.ts";
import { isKnownTimeZone, type ZoneClock, zoneClock } from "./zone-clock.ts";

/** No single booking may be longer than this, whatever maxDurationMinutes says (366 days). */
export const MAX_WINDOW_MINUTES = 366 * 24 * 60;

/** Minutes from local midnight: a start within the day, an end up to the end of the next day. */
const startMinute = z.number().int().min(0).max(1439);
const endMinute = z.number().int().min(1).max(2880);

/** Weekly opening hours: 0 = Sunday. endMinute past 1440 runs into the next day (22:00→06:00 = 1320→1800). */
export const weeklyHoursSchema = z
  .strictObject({ dayOfWeek: z.number().int().min(0).max(6), startMinute, endMinute })
  .refine((h) => h.endMinute > h.startMinute, {
    message: "endMinute must be after startMinute",
    path: ["endMinute"],
  });

/**
 * A date exception in local time. `closed` without minutes closes the whole local date
 * (00:00–24:00); `closed` with minutes closes those hours; `open` adds extra hours, and extra hours
 * win over any closure (so "closed all day" + "open 10:00–12:00" opens only 10–12).
 */
export const dateExceptionSchema = z
  .strictObject({
    localDate: z.iso.date(),
    kind: z.enum(["closed", "open"]),
    startMinute: startMinute.nullable().optional(),
    endMinute: endMinute.nullable().optional(),
  })
  .superRefine((e, ctx) => {
    const hasStart = e.startMinute != null;
    const hasEnd = e.endMinute != null;
    if (hasStart !== hasEnd) {
      ctx.addIssue({
        code: "custom",
        path: ["endMinute"],
        message: "give both startMinute and endMinute or neither",
      });
    } else if (hasStart && e.endMinute! <= e.startMinute!) {
      ctx.addIssue({ code: "custom", path: ["endMinute"], message: "endMinute must be after startMinute" });
    } else if (e.kind === "open" && !hasStart) {
      ctx.addIssue({
        code: "custom",
        path: ["startMinute"],
        message: "extra opening hours need startMinute and endMinute",
      });
    }
  });

export const availabilityRulesSchema = z
  .strictObject({
    timeZone: z.string().refine(isKnownTimeZone, { message: "unknown IANA time zone" }),
    weeklyHours: z.array(weeklyHoursSchema).max(200).readonly(),
    exceptions: z.array(dateExceptionSchema).max(2000).readonly(),
    bufferMinutes: z.number().int().min(0).max(1440),
    minNoticeMinutes: z.number().int().min(0).max(43_200),
    minDurationMinutes: z.number().int().min(1).max(MAX_WINDOW_MINUTES),
    maxDurationMinutes: z.number().int().min(1).max(MAX_WINDOW_MINUTES).nullable(),
  })
  .refine((r) => r.maxDurationMinutes === null || r.maxDurationMinutes >= r.minDurationMinutes, {
    message: "maxDurationMinutes must not be below minDurationMinutes",
    path: ["maxDurationMinutes"],
  });

export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;
export type DateException = z.infer<typeof dateExceptionSchema>;
/** Treat as immutable: compiled forms are cached per object. */
export type AvailabilityRules = z.infer<typeof availabilityRulesSchema>;

/** A range of minutes from a local day's midnight. */
export interface MinuteRange {
  readonly startMinute: number;
  readonly endMinute: number;
}

export interface CompiledRules {
  readonly clock: ZoneClock;
  /** Weekly hours indexed by day of week (0 = Sunday). */
  readonly weekly: readonly (readonly MinuteRange[])[];
  /** Local day number (days since 1970-01-01 local) → closed ranges / extra hours on that date. */
  readonly closedByDay: ReadonlyMap<number, readonly MinuteRange[]>;
  readonly openByDay: ReadonlyMap<number, readonly MinuteRange[]>;
  readonly bufferMs: number;
  readonly noticeMs: number;
  readonly minDurationMs: number;
  readonly maxDurationMs: number;
}

const WHOLE_DAY: MinuteRange = { startMinute: 0, endMinute: 1440 };
const compiled = new WeakMap<AvailabilityRules, CompiledRules>();

/** The compiled form of `rules`, built once per rules object. */
export function compileRules(rules: AvailabilityRules): CompiledRules {
  let result = compiled.get(rules);
  if (result === undefined) {
    result = buildCompiled(rules);
    compiled.set(rules, result);
  }
  return result;
}

function buildCompiled(rules: AvailabilityRules): CompiledRules {
  const weekly: MinuteRange[][] = [[], [], [], [], [], [], []];
  for (const h of rules.weeklyHours)
    weekly[h.dayOfWeek]!.push({ startMinute: h.startMinute, endMinute: h.endMinute });
  const closedByDay = new Map<number, MinuteRange[]>();
  const openByDay = new Map<number, MinuteRange[]>();
  for (const e of rules.exceptions) {
    const day = localDayNumber(e.localDate);
    const range =
      e.startMinute != null && e.endMinute != null
        ? { startMinute: e.startMinute, endMinute: e.endMinute }
        : WHOLE_DAY;
    const byDay = e.kind === "closed" ? closedByDay : openByDay;
    const list = byDay.get(day);
    if (list === undefined) byDay.set(day, [range]);
    else list.push(range);
  }
  const maxMinutes = Math.min(rules.maxDurationMinutes ?? MAX_WINDOW_MINUTES, MAX_WINDOW_MINUTES);
  return {
    clock: zoneClock(rules.timeZone),
    weekly,
    closedByDay,
    openByDay,
    bufferMs: rules.bufferMinutes * MS_PER_MINUTE,
    noticeMs: rules.minNoticeMinutes * MS_PER_MINUTE,
    minDurationMs: rules.minDurationMinutes * MS_PER_MINUTE,
    maxDurationMs: maxMinutes * MS_PER_MINUTE,
  };
}

/** "YYYY-MM-DD" → days since 1970-01-01 on the same (local) calendar. */
export function localDayNumber(localDate: string): number {
  const year = Number(localDate.slice(0, 4));
  const month = Number(localDate.slice(5, 7));
  const day = Number(localDate.slice(8, 10));
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** Day of week (0 = Sunday) of a local day number; 1970-01-01 was a Thursday. */
export function dayOfWeekOf(localDay: number): number {
  return (((localDay + 4) % 7) + 7) % 7;
}
