// /api/v1/spaces: hosts list, change and retire their parking spaces (admins may act on any); anyone
// reads a listing. Images live in space-image-routes.ts; the weekly schedule and its exceptions are
// changed through POST /spaces/{id}/availability, not here.
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { greatCircleDistance, UNITS } from "h3-js";
import { errors } from "../../../src/errors.ts";
import { withTransaction } from "../../../src/storage/postgres.ts";
import * as spacesRepo from "../../../src/storage/spaces-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { decodeListCursor, encodeListCursor } from "../list-cursor.ts";
import { currentUser, requireRole } from "../middleware/authenticate.ts";
import { refuseToPublishUnlessPayable } from "../payments-gate.ts";
import { anyoneOrSignedIn, bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { canManageSpace, lockSpaceForChange, refuseWhileBooked } from "../space-access.ts";
import { listingChangesFromUpdate, listingFromCreate } from "../space-input.ts";
import {
  SpaceCreate,
  SpaceListQuery,
  SpaceListSchema,
  SpaceParams,
  SpaceSchema,
  SpaceUpdate,
} from "../space-schemas.ts";
import { toSpaceView } from "../space-view.ts";
import { spaceImageRoutes } from "./space-image-routes.ts";

const tags = ["spaces"];
const hostOnly = { security: bearerSecurity, middleware: requireRole("host") };

const createSpace = createRoute({
  method: "post",
  path: "/spaces",
  operationId: "createSpace",
  tags,
  ...hostOnly,
  summary:
    "List a new parking space (active unless status inactive; with payments on, active needs a ready payment account); answers it with the H3 cells it is indexed under",
  request: { body: jsonBody(SpaceCreate) },
  responses: {
    201: jsonResponse(SpaceSchema, "Created"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
  },
});

const listMySpaces = createRoute({
  method: "get",
  path: "/spaces",
  operationId: "listMySpaces",
  tags,
  ...hostOnly,
  summary:
    "My spaces, newest first (admins: everyone's, or one host's with hostId); deleted ones only with status=deleted",
  request: { query: SpaceListQuery },
  responses: {
    200: jsonResponse(SpaceListSchema, "A page of spaces; pass nextCursor as cursor for the next"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const getSpace = createRoute({
  method: "get",
  path: "/spaces/{id}",
  operationId: "getSpace",
  security: anyoneOrSignedIn,
  tags,
  summary: "A space's listing (public; address line 2 only for its host and admins)",
  request: { params: SpaceParams },
  responses: {
    200: jsonResponse(SpaceSchema, "The space"),
    400: errorResponses[400],
    404: errorResponses[404],
  },
});

const updateSpace = createRoute({
  method: "put",
  path: "/spaces/{id}",
  operationId: "updateSpace",
  tags,
  ...hostOnly,
  summary:
    "Change a space's listing fields (only those sent; address, location, pricing and amenities are replaced whole); with payments on, turning it active needs the host's ready payment account",
  request: { params: SpaceParams, body: jsonBody(SpaceUpdate) },
  responses: {
    200: jsonResponse(SpaceSchema, "Updated"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
  },
});

const deleteSpace = createRoute({
  method: "delete",
  path: "/spaces/{id}",
  operationId: "deleteSpace",
  tags,
  ...hostOnly,
  summary: "Retire a space (soft delete); refused with the bookings listed while future bookings hold it",
  request: { params: SpaceParams },
  responses: {
    204: { description: "Deleted" },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
  },
});

/** How far a booked space's location may be corrected; a larger move waits until no booking holds it. */
export const MAX_MOVE_WHILE_BOOKED_METERS = 250;

const movedMeters = (from: { lat: number; lng: number }, to: { lat: number; lng: number }) =>
  greatCircleDistance([from.lat, from.lng], [to.lat, to.lng], UNITS.m);

export function spaceRoutes(deps: AppDeps) {
  const { pool, config } = deps;
  const resolutions = { map: config.H3_MAP_RESOLUTION, shard: config.H3_SHARD_RESOLUTION };
  const load = async (id: string) => {
    const space = await spacesRepo.findSpace(pool, id);
    if (!space) throw errors.notFound("space");
    return space;
  };

  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(createSpace, async (c) => {
      const user = currentUser(c);
      const body = c.req.valid("json");
      const listing = listingFromCreate(body, resolutions);
      const status = body.status ?? "active";
      if (status === "active") await refuseToPublishUnlessPayable(deps, pool, user.id);
      const id = await withTransaction(pool, async (tx) => {
        const spaceId = await spacesRepo.insertSpace(
          tx,
          user.id,
          { ...listing.fields, status },
          listing.schedule,
          listing.amenities,
        );
        await spacesRepo.recordSpaceEvent(tx, spaceId, "space_created", {
          hostId: user.id,
          cell: listing.fields.h3Cell,
          shardCell: listing.fields.h3ShardCell,
        });
        return spaceId;
      });
      await deps.spaceCommands.listingChanged(id);
      return c.json(toSpaceView(await load(id), { isManager: true }), 201);
    })
    .openapi(listMySpaces, async (c) => {
      const user = currentUser(c);
      const query = c.req.valid("query");
      const isAdmin = user.roles.includes("admin");
      if (query.hostId && !isAdmin && query.hostId !== user.id) {
        throw errors.forbidden("only admins may list another host's spaces");
      }
      const hostId = query.hostId ?? (isAdmin ? undefined : user.id);
      const page = await spacesRepo.listSpaces(
        pool,
        {
          ...(hostId ? { hostId } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.city ? { city: query.city } : {}),
          ...(query.spaceType ? { spaceType: query.spaceType } : {}),
          ...(query.bookingMode ? { bookingMode: query.bookingMode } : {}),
        },
        { limit: query.limit, ...(query.cursor ? { after: decodeListCursor(query.cursor) } : {}) },
      );
      return c.json(
        {
          spaces: page.spaces.map((space) => toSpaceView(space, { isManager: true })),
          nextCursor: page.next ? encodeListCursor(page.next) : null,
        },
        200,
      );
    })
    .openapi(getSpace, async (c) => {
      const space = await load(c.req.valid("param").id);
      const isManager = canManageSpace(c.var.user, space.hostId);
      if (space.status === "deleted" && !isManager) throw errors.notFound("space");
      return c.json(toSpaceView(space, { isManager }), 200);
    })
    .openapi(updateSpace, async (c) => {
      const user = currentUser(c);
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const before = await withTransaction(pool, async (tx) => {
        const locked = await lockSpaceForChange(tx, id, user);
        // The weekly schedule is read in the space's zone: moving it to another zone moves every booking's
        // local hours, so that waits until no booking holds the space.
        if (body.timezone && body.timezone !== locked.timezone) {
          await refuseWhileBooked(tx, id, "the time zone cannot change");
        }
        const current = (await spacesRepo.findSpace(tx, id))!;
        if (body.status === "active" && current.status !== "active") {
          await refuseToPublishUnlessPayable(deps, tx, locked.hostId);
        }
        // Correcting a pin is fine; moving the space somewhere else would strand the drivers who booked it.
        if (body.location && movedMeters(current, body.location) > MAX_MOVE_WHILE_BOOKED_METERS) {
          await refuseWhileBooked(
            tx,
            id,
            `the space cannot move more than ${MAX_MOVE_WHILE_BOOKED_METERS} m while booked`,
          );
        }
        const changes = listingChangesFromUpdate(body, current, resolutions);
        await spacesRepo.updateSpace(tx, id, changes);
        if (body.amenities) await spacesRepo.replaceAmenities(tx, id, body.amenities);
        await spacesRepo.recordSpaceEvent(tx, id, "space_updated", {
          fields: Object.keys(body),
          cell: changes.h3Cell ?? current.h3Cell,
          shardCell: changes.h3ShardCell ?? current.h3ShardCell,
          ...(changes.h3Cell && changes.h3Cell !== current.h3Cell
            ? { previousCell: current.h3Cell, previousShardCell: current.h3ShardCell }
            : {}),
        });
        return locked;
      });
      await deps.spaceCommands.listingChanged(id, before);
      return c.json(toSpaceView(await load(id), { isManager: true }), 200);
    })
    .openapi(deleteSpace, async (c) => {
      const user = currentUser(c);
      const { id } = c.req.valid("param");
      const before = await withTransaction(pool, async (tx) => {
        const locked = await lockSpaceForChange(tx, id, user);
        await refuseWhileBooked(tx, id, "the space cannot be deleted");
        await spacesRepo.updateSpace(tx, id, { status: "deleted" });
        await spacesRepo.recordSpaceEvent(tx, id, "space_deleted", { hostId: locked.hostId });
        return locked;
      });
      await deps.spaceCommands.listingChanged(id, before);
      return c.body(null, 204);
    })
    .route("/", spaceImageRoutes(deps));
}
