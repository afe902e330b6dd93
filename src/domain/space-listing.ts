// What a parking-space listing is made of: its kinds, sizes, booking modes, amenities and statuses
// (the same vocabularies as the ledger's check constraints), and which booking statuses hold a slot.
import { z } from "zod";

export const spaceTypes = ["garage", "driveway", "lot", "street", "covered", "underground"] as const;
export const spaceSizes = ["motorcycle", "compact", "standard", "large", "oversized"] as const;
export const bookingModes = ["instant", "request"] as const;
export const spaceStatuses = ["active", "inactive", "deleted"] as const;
export const amenities = [
  "ev_charging",
  "covered",
  "security_camera",
  "lit",
  "gated",
  "wheelchair_accessible",
  "24h_access",
  "attendant",
  "height_over_2m",
] as const;

export const spaceTypeSchema = z.enum(spaceTypes);
export const spaceSizeSchema = z.enum(spaceSizes);
export const bookingModeSchema = z.enum(bookingModes);
export const spaceStatusSchema = z.enum(spaceStatuses);
export const amenitySchema = z.enum(amenities);

export type SpaceType = (typeof spaceTypes)[number];
export type SpaceSize = (typeof spaceSizes)[number];
export type BookingMode = (typeof bookingModes)[number];
export type SpaceStatus = (typeof spaceStatuses)[number];
export type Amenity = (typeof amenities)[number];

/** Booking statuses that hold their slot (the bookings_no_overlap constraint covers exactly these). */
export const SLOT_HOLDING_STATUSES = ["awaiting_payment", "pending_approval", "confirmed", "active"] as const;
