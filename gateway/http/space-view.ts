// How a stored space is shown on the wire (the host and admins see everything; others do not see
// address line 2, which often holds a gate code or flat number), and the opaque list cursor.
import type { z } from "@hono/zod-openapi";
import { toEntry } from "../../src/domain/opening-hours.ts";
import type { SpaceRecord } from "../../src/storage/spaces-repository.ts";
import type { SpaceSchema } from "./space-schemas.ts";

export const imageUrl = (spaceId: string, imageId: string) => `/api/v1/spaces/${spaceId}/images/${imageId}`;

export function toSpaceView(space: SpaceRecord, viewer: { isManager: boolean }): z.infer<typeof SpaceSchema> {
  return {
    id: space.id,
    hostId: space.hostId,
    status: space.status,
    title: space.title,
    description: space.description,
    address: {
      line1: space.addressLine1,
      ...(viewer.isManager ? { line2: space.addressLine2 } : {}),
      city: space.city,
      state: space.state,
      postalCode: space.postalCode,
      country: space.country,
    },
    location: { lat: space.lat, lng: space.lng },
    cells: { map: space.h3Cell, shard: space.h3ShardCell },
    timezone: space.timezone,
    spaceType: space.spaceType,
    spaceSize: space.spaceSize,
    bookingMode: space.bookingMode,
    pricing: {
      currency: space.currency,
      hourly: space.hourlyRate,
      daily: space.dailyRate,
      monthly: space.monthlyRate,
    },
    schedule: space.schedule.map((row) => ({ ...toEntry(row), ...row })),
    bufferMinutes: space.bufferMinutes,
    minNoticeMinutes: space.minNoticeMinutes,
    minDurationMinutes: space.minDurationMinutes,
    maxDurationMinutes: space.maxDurationMinutes,
    cancellationPolicy: space.cancellationPolicy,
    amenities: space.amenities,
    images: space.images.map((image) => ({ ...image, url: imageUrl(space.id, image.id) })),
    createdAt: space.createdAt.toISOString(),
    updatedAt: space.updatedAt.toISOString(),
  };
}
