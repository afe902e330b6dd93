// Request and response schemas of /api/v1/spaces: what a host may send for a listing (strict, every
// rule a 400 with the field named) and what the API answers.
import { z } from "@hono/zod-openapi";
import { cancellationPolicies } from "../../src/domain/cancellation-policy.ts";
import { canonicalTimeZone, isCountryCode, isCurrencyCode } from "../../src/domain/locale-codes.ts";
import { findOverlap, parseClock, toWeeklyRow } from "../../src/domain/opening-hours.ts";
import {
  amenitySchema,
  bookingModeSchema,
  spaceSizeSchema,
  spaceStatusSchema,
  spaceTypeSchema,
} from "../../src/domain/space-listing.ts";
import { entityId } from "./schemas.ts";
import { optionalText, text } from "./text-fields.ts";

export const DEFAULT_MIN_DURATION_MINUTES = 30;
const YEAR_MINUTES = 366 * 1440;

/** Integer minor units (cents); the cap keeps every amount far inside PostgreSQL's integer. */
const minorUnits = z.number().int().min(0, "must not be negative").max(100_000_000);

export const AddressInput = z
  .strictObject({
    line1: text(200),
    line2: optionalText(200),
    city: text(100),
    state: optionalText(100),
    postalCode: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,15}$/, "must be a postal code such as 28013"),
    country: z.string().refine(isCountryCode, "must be an ISO 3166-1 alpha-2 code such as ES"),
  })
  .openapi("AddressInput");

export const LocationInput = z
  .strictObject({
    lat: z.number().min(-90, "latitude must be within -90..90").max(90, "latitude must be within -90..90"),
    lng: z
      .number()
      .min(-180, "longitude must be within -180..180")
      .max(180, "longitude must be within -180..180"),
  })
  .openapi("Location", { example: { lat: 40.4169, lng: -3.7035 } });

export const TimeZoneInput = z
  .string()
  .max(64)
  .refine((name) => canonicalTimeZone(name) !== undefined, "must be an IANA time zone such as Europe/Madrid")
  .transform((name) => canonicalTimeZone(name)!)
  .openapi({ example: "Europe/Madrid" });

export const PricingInput = z
  .strictObject({
    currency: z.string().refine(isCurrencyCode, "must be an ISO 4217 code such as EUR"),
    hourly: minorUnits,
    daily: minorUnits.nullable().optional(),
    monthly: minorUnits.nullable().optional(),
  })
  .openapi("PricingInput", { example: { currency: "EUR", hourly: 250, daily: 1800 } });

export const OpeningHoursInput = z
  .strictObject({
    dayOfWeek: z.number().int().min(0).max(6).openapi({ description: "0 = Sunday … 6 = Saturday" }),
    start: z.string().refine((v) => parseClock(v) !== undefined, "must be HH:MM between 00:00 and 23:59"),
    end: z
      .string()
      .refine((v) => parseClock(v, true) !== undefined, "must be HH:MM between 00:00 and 24:00")
      .openapi({ description: "at or before start: the hours run overnight into the next day" }),
  })
  .openapi("OpeningHours", { example: { dayOfWeek: 5, start: "22:00", end: "06:00" } });

export const ScheduleInput = z
  .array(OpeningHoursInput)
  .min(1, "needs at least one opening-hours entry")
  .max(42)
  .superRefine((entries, ctx) => {
    // Refinements also run after continuable issues (a bad clock): compare only when every entry parsed.
    const valid = entries.every(
      (e) =>
        Number.isInteger(e.dayOfWeek) &&
        parseClock(e.start) !== undefined &&
        parseClock(e.end, true) !== undefined,
    );
    if (!valid) return;
    const overlap = findOverlap(entries.map(toWeeklyRow));
    if (overlap) {
      ctx.addIssue({
        code: "custom",
        path: [overlap[1]],
        message: `overlaps schedule entry ${overlap[0]} (overnight hours count into the next day)`,
      });
    }
  });

const bufferMinutes = z.number().int().min(0).max(1440);
const minNoticeMinutes = z.number().int().min(0).max(43_200);
const minDurationMinutes = z.number().int().min(1).max(YEAR_MINUTES);
const maxDurationMinutes = z.number().int().min(1).max(YEAR_MINUTES).nullable();
const amenityList = z.array(amenitySchema).max(20);
const CANCELLATION_POLICY_TIERS =
  "what a driver who cancels gets back: flexible (all until 24 h before the start, half until the start), " +
  "moderate (all until 5 days before, half until 24 h before), strict (half until 7 days before); " +
  "nothing after that. A host's cancellation always refunds all";
const cancellationPolicy = z.enum(cancellationPolicies).openapi({
  description: CANCELLATION_POLICY_TIERS,
  example: "moderate",
});

export const SpaceCreate = z
  .strictObject({
    title: text(120),
    description: optionalText(5000),
    address: AddressInput,
    location: LocationInput,
    timezone: TimeZoneInput,
    spaceType: spaceTypeSchema,
    spaceSize: spaceSizeSchema,
    bookingMode: bookingModeSchema,
    pricing: PricingInput,
    schedule: ScheduleInput,
    bufferMinutes: bufferMinutes.optional(),
    minNoticeMinutes: minNoticeMinutes.optional(),
    minDurationMinutes: minDurationMinutes.optional(),
    maxDurationMinutes: maxDurationMinutes.optional(),
    amenities: amenityList.optional(),
    cancellationPolicy: cancellationPolicy
      .optional()
      .openapi({ description: `${CANCELLATION_POLICY_TIERS}. Default flexible` }),
    status: z.enum(["active", "inactive"]).optional().openapi({
      description:
        "active (default): bookable at once; inactive: a draft, published later with PUT status active",
    }),
  })
  .refine(
    (body) =>
      body.maxDurationMinutes == null ||
      body.maxDurationMinutes >= (body.minDurationMinutes ?? DEFAULT_MIN_DURATION_MINUTES),
    { path: ["maxDurationMinutes"], message: "must not be less than minDurationMinutes (default 30)" },
  )
  .openapi("SpaceCreate");
export type SpaceCreateInput = z.infer<typeof SpaceCreate>;

export const SCHEDULE_VIA_AVAILABILITY =
  "the weekly schedule cannot be changed here: use POST /api/v1/spaces/{id}/availability";

export const SpaceUpdate = z
  .strictObject({
    title: text(120).optional(),
    description: optionalText(5000),
    address: AddressInput.optional(),
    location: LocationInput.optional(),
    timezone: TimeZoneInput.optional(),
    spaceType: spaceTypeSchema.optional(),
    spaceSize: spaceSizeSchema.optional(),
    bookingMode: bookingModeSchema.optional(),
    pricing: PricingInput.optional(),
    bufferMinutes: bufferMinutes.optional(),
    minNoticeMinutes: minNoticeMinutes.optional(),
    minDurationMinutes: minDurationMinutes.optional(),
    maxDurationMinutes: maxDurationMinutes.optional(),
    amenities: amenityList.optional(),
    cancellationPolicy: cancellationPolicy.optional(),
    status: z.enum(["active", "inactive"]).optional(),
    schedule: z
      .unknown()
      .optional()
      .refine((value) => value === undefined, SCHEDULE_VIA_AVAILABILITY)
      .openapi({ description: `Refused: ${SCHEDULE_VIA_AVAILABILITY}` }),
  })
  .openapi("SpaceUpdate");
export type SpaceUpdateInput = z.infer<typeof SpaceUpdate>;

export const SpaceListQuery = z.strictObject({
  status: spaceStatusSchema.optional(),
  city: text(100).optional(),
  spaceType: spaceTypeSchema.optional(),
  bookingMode: bookingModeSchema.optional(),
  hostId: z.uuid().optional().openapi({ description: "admins only: another host's spaces" }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(300).optional(),
});

export const SpaceParams = z.strictObject({ id: entityId() });
export const SpaceImageParams = z.strictObject({ id: z.uuid(), imageId: z.uuid() });

export const ImageUpload = z
  .strictObject({
    file: z
      .instanceof(File, { message: "must be a file" })
      .openapi({ type: "string", format: "binary", description: "JPEG, PNG or WebP" }),
  })
  .openapi("SpaceImageUpload");

export const SpaceImageSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    contentType: z.string(),
    sizeBytes: z.number().int(),
    position: z.number().int(),
  })
  .openapi("SpaceImage");

export const SpaceSchema = z
  .object({
    id: z.uuid(),
    hostId: z.uuid(),
    status: spaceStatusSchema,
    title: z.string(),
    description: z.string().nullable(),
    address: z.object({
      line1: z.string(),
      line2: z.string().nullable().optional().openapi({ description: "shown to the host and admins only" }),
      city: z.string(),
      state: z.string().nullable(),
      postalCode: z.string(),
      country: z.string(),
    }),
    location: z.object({ lat: z.number(), lng: z.number() }),
    cells: z
      .object({ map: z.string(), shard: z.string() })
      .openapi({ description: "H3 cells the space is indexed under (map and shard resolution)" }),
    timezone: z.string(),
    spaceType: spaceTypeSchema,
    spaceSize: spaceSizeSchema,
    bookingMode: bookingModeSchema,
    pricing: z.object({
      currency: z.string(),
      hourly: z.number().int(),
      daily: z.number().int().nullable(),
      monthly: z.number().int().nullable(),
    }),
    schedule: z.array(
      z.object({
        dayOfWeek: z.number().int(),
        start: z.string(),
        end: z.string(),
        startMinute: z.number().int(),
        endMinute: z.number().int().openapi({ description: "past 1440 when the hours run overnight" }),
      }),
    ),
    bufferMinutes: z.number().int(),
    minNoticeMinutes: z.number().int(),
    minDurationMinutes: z.number().int(),
    maxDurationMinutes: z.number().int().nullable(),
    cancellationPolicy,
    amenities: z.array(z.string()),
    images: z.array(SpaceImageSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Space");

export const SpaceListSchema = z
  .object({ spaces: z.array(SpaceSchema), nextCursor: z.string().nullable() })
  .openapi("SpaceList");
