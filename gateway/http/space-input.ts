// A validated POST /spaces body → the ledger's listing row, weekly-hours rows and amenities, with the
// H3 cells of its location. One function, so the API and the demo seed store listings the same way.
import { toWeeklyRow, type WeeklyHoursRow } from "../../src/domain/opening-hours.ts";
import type { Amenity } from "../../src/domain/space-listing.ts";
import { cellsOf } from "../../src/geo/h3-cells.ts";
import type { SpaceFields } from "../../src/storage/spaces-repository.ts";
import { DEFAULT_MIN_DURATION_MINUTES, type SpaceCreateInput } from "./space-schemas.ts";

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
    },
    schedule: body.schedule.map(toWeeklyRow),
    amenities: [...new Set(body.amenities ?? [])],
  };
}
