// Who may change a space (its host or an admin) and when a change must wait for its bookings. Writers
// lock the space row first, so changes to one space (edits, deletion, images) take turns.
import { AppError, errors } from "../../src/errors.ts";
import type { PoolClient } from "../../src/storage/postgres.ts";
import * as spacesRepo from "../../src/storage/spaces-repository.ts";
import type { AuthUser } from "./app-env.ts";

export function canManageSpace(user: AuthUser | undefined, hostId: string): boolean {
  return user !== undefined && (user.id === hostId || user.roles.includes("admin"));
}

export function assertCanManage(user: AuthUser, hostId: string): void {
  if (!canManageSpace(user, hostId))
    throw errors.forbidden("only the space's host or an admin may change it");
}

/** Locks the space for the caller's transaction and checks the caller may change it (404, 403). */
export async function lockSpaceForChange(tx: PoolClient, id: string, user: AuthUser) {
  const space = await spacesRepo.lockSpace(tx, id);
  if (!space || space.status === "deleted") throw errors.notFound("space");
  assertCanManage(user, space.hostId);
  return space;
}

const LISTED = 50;

/** 409 listing the bookings (up to 50) while future bookings hold the space's slots. */
export async function refuseWhileBooked(tx: PoolClient, spaceId: string, what: string) {
  const bookings = await spacesRepo.futureHoldingBookings(tx, spaceId, new Date(), LISTED);
  if (bookings.length === 0) return;
  throw new AppError(
    "space_has_bookings",
    409,
    `${what}: ${bookings.length === LISTED ? `${LISTED} or more` : bookings.length} future booking(s) hold this space; cancel them first`,
    {
      bookings: bookings.map((b) => ({
        id: b.id,
        status: b.status,
        start: b.start.toISOString(),
        end: b.end.toISOString(),
      })),
    },
  );
}
