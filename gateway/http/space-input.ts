// Validated listing bodies → ledger columns: a POST /spaces body → the listing row, weekly-hours rows and
// amenities with the H3 cells of its location (one function, so the API and the demo seed store
// listings the same way), and a PUT body → the columns it changes.
import { DEFAULT_CANCELLATION_POLICY } from "../../src/domain/cancellation-policy.ts";
import { toWeeklyRow, type WeeklyHoursRow } from "../../src/domain/opening-hours.ts";
import type { Amenity } from "../../src/domain/space-listing.ts";
import { errors } from "../../src/errors.ts";
import { cellsOf } from "../../src/geo/h3-cells.ts";
import type { SpaceFields, SpaceRecord } from "../../src/storage/spaces-repository.ts";
import {
  DEFAULT_MIN_DURATION_MINUTES,
  type SpaceCreateInput,
  type SpaceUpdateInput,
} from "./space-schemas.ts";

export function listingFromCreate(
  body: SpaceCreateInput,
  resolutions: { map: number; shard: number },
): { fields: SpaceFields; schedule: WeeklyHoursRow[]; amenities: Amenity[] } {
  const { cell, shardCell } = cellsOf(body.location.lat, body.location.lng, resolutions);
  return {
    fields: {
      title: body.title,
      description: body.description ?? null,
      addressLine1: body.address.line1,
      addressLine2: body.address.line2 ?? null,
      city: body.address.city,
      state: body.address.state ?? null,
      postalCode: body.address.postalCode,
      country: body.address.country,
      lat: body.location.lat,
      lng: body.location.lng,
      h3Cell: cell,
      h3ShardCell: shardCell,
      timezone: body.timezone,
      spaceType: body.spaceType,
      spaceSize: body.spaceSize,
      bookingMode: body.bookingMode,
      currency: body.pricing.currency,
      hourlyRate: body.pricing.hourly,
      dailyRate: body.pricing.daily ?? null,
      monthlyRate: body.pricing.monthly ?? null,
      bufferMinutes: body.bufferMinutes ?? 0,
      minNoticeMinutes: body.minNoticeMinutes ?? 0,
      minDurationMinutes: body.minDurationMinutes ?? DEFAULT_MIN_DURATION_MINUTES,
      maxDurationMinutes: body.maxDurationMinutes ?? null,
      cancellationPolicy: body.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY,
    },
    schedule: body.schedule.map(toWeeklyRow),
    amenities: [...new Set(body.amenities ?? [])],
  };
}

/**
 * A validated PUT /spaces/{id} body → the columns to change (undefined: unchanged). Address, location
 * and pricing are replaced whole; a new location brings its new cells.
 */
export function listingChangesFromUpdate(
  body: SpaceUpdateInput,
  current: SpaceRecord,
  resolutions: { map: number; shard: number },
): Partial<SpaceFields> & { status?: "active" | "inactive" } {
  const cells = body.location ? cellsOf(body.location.lat, body.location.lng, resolutions) : undefined;
  const minDuration = body.minDurationMinutes ?? current.minDurationMinutes;
  const maxDuration =
    body.maxDurationMinutes === undefined ? current.maxDurationMinutes : body.maxDurationMinutes;
  if (maxDuration !== null && maxDuration < minDuration) {
    throw errors.validation(
      `invalid body: maxDurationMinutes: must not be less than minDurationMinutes (${minDuration})`,
    );
  }
  return {
    title: body.title,
    description: body.description,
    ...(body.address
      ? {
          addressLine1: body.address.line1,
          addressLine2: body.address.line2 ?? null,
          city: body.address.city,
          state: body.address.state ?? null,
          postalCode: body.address.postalCode,
          country: body.address.country,
        }
      : {}),
    ...(body.location && cells
      ? { lat: body.location.lat, lng: body.location.lng, h3Cell: cells.cell, h3ShardCell: cells.shardCell }
      : {}),
    timezone: body.timezone,
    spaceType: body.spaceType,
    spaceSize: body.spaceSize,
    bookingMode: body.bookingMode,
    ...(body.pricing
      ? {
          currency: body.pricing.currency,
          hourlyRate: body.pricing.hourly,
          dailyRate: body.pricing.daily ?? null,
          monthlyRate: body.pricing.monthly ?? null,
        }
      : {}),
    bufferMinutes: body.bufferMinutes,
    minNoticeMinutes: body.minNoticeMinutes,
    minDurationMinutes: body.minDurationMinutes,
    maxDurationMinutes: body.maxDurationMinutes,
    cancellationPolicy: body.cancellationPolicy,
    status: body.status,
  };
}
