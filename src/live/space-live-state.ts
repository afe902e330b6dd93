// What the map shows of one parking space, and its canonical JSON: the same bytes go into the
// cell's state hash, its history and every delta, so the field order is fixed here once.
import { z } from "zod";
import { amenitySchema, bookingModeSchema, spaceTypeSchema } from "../domain/space-listing.ts";

export const liveStates = ["available", "held", "occupied", "closed"] as const;
export const liveStateSchema = z.enum(liveStates);
export type LiveState = z.infer<typeof liveStateSchema>;

const isoInstant = z.iso.datetime({ offset: true });

export const spaceLiveStateSchema = z.strictObject({
  id: z.uuid(),
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  state: liveStateSchema,
  /** When an `available` space stops being free (next booking or schedule closing), if known. */
  freeUntil: isoInstant.optional(),
  /** When a space that is not `available` becomes free again, if known within the horizon. */
  nextFreeAt: isoInstant.optional(),
  /** Price per hour in minor units of `currency`. */
  hourly: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/),
  /** The listing as a map shows it (absent from states stored before these were carried). */
  title: z.string().max(200).optional(),
  spaceType: spaceTypeSchema.optional(),
  bookingMode: bookingModeSchema.optional(),
  /** Sorted. */
  amenities: z.array(amenitySchema).optional(),
});
export type SpaceLiveState = z.infer<typeof spaceLiveStateSchema>;

/** Canonical JSON of a space's live state (fixed key order, optional fields left out when absent). */
export function encodeSpaceLiveState(space: SpaceLiveState): string {
  const ordered: Record<string, unknown> = {
    id: space.id,
    lat: space.lat,
    lng: space.lng,
    state: space.state,
  };
  if (space.freeUntil !== undefined) ordered.freeUntil = space.freeUntil;
  if (space.nextFreeAt !== undefined) ordered.nextFreeAt = space.nextFreeAt;
  ordered.hourly = space.hourly;
  ordered.currency = space.currency;
  if (space.title !== undefined) ordered.title = space.title;
  if (space.spaceType !== undefined) ordered.spaceType = space.spaceType;
  if (space.bookingMode !== undefined) ordered.bookingMode = space.bookingMode;
  if (space.amenities !== undefined) ordered.amenities = space.amenities;
  return JSON.stringify(ordered);
}
