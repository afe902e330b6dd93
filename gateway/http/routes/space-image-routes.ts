// /api/v1/spaces/{id}/images: the host uploads photos of a space (multipart field `file`; JPEG, PNG or
// WebP by their magic bytes, up to SPACE_IMAGE_MAX_BYTES), deletes them, and anyone fetches them.
// Files go to the object storage; rows in space_images keep their order.
import { randomUUID } from "node:crypto";
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError, errors } from "../../../src/errors.ts";
import {
  extensionOf,
  type ImageContentType,
  imageContentTypes,
  sniffImageType,
} from "../../../src/storage/image-content-type.ts";
import { withTransaction } from "../../../src/storage/postgres.ts";
import * as imagesRepo from "../../../src/storage/space-images-repository.ts";
import * as spacesRepo from "../../../src/storage/spaces-repository.ts";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { currentUser, requireRole } from "../middleware/authenticate.ts";
import { anyoneOrSignedIn, bearerSecurity, errorResponses, jsonResponse } from "../schemas.ts";
import { assertCanManage, canManageSpace, lockSpaceForChange } from "../space-access.ts";
import { ImageUpload, SpaceImageParams, SpaceImageSchema, SpaceParams } from "../space-schemas.ts";
import { imageUrl } from "../space-view.ts";

const tags = ["spaces"];

const uploadImage = createRoute({
  method: "post",
  path: "/spaces/{id}/images",
  operationId: "uploadSpaceImage",
  tags,
  security: bearerSecurity,
  middleware: requireRole("host"),
  summary: "Add a photo to a space (multipart/form-data, field `file`: JPEG, PNG or WebP)",
  request: {
    params: SpaceParams,
    body: { required: true, content: { "multipart/form-data": { schema: ImageUpload } } },
  },
  responses: {
    201: jsonResponse(SpaceImageSchema, "Stored"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    409: errorResponses[409],
    413: errorResponses[413],
    415: { description: "Not a JPEG, PNG or WebP image", content: errorResponses[400].content },
  },
});

const deleteImage = createRoute({
  method: "delete",
  path: "/spaces/{id}/images/{imageId}",
  operationId: "deleteSpaceImage",
  tags,
  security: bearerSecurity,
  middleware: requireRole("host"),
  summary: "Remove a photo of a space",
  request: { params: SpaceImageParams },
  responses: {
    204: { description: "Deleted" },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
  },
});

const getImage = createRoute({
  method: "get",
  path: "/spaces/{id}/images/{imageId}",
  operationId: "getSpaceImage",
  security: anyoneOrSignedIn,
  tags,
  summary: "A photo of a space (its bytes)",
  request: { params: SpaceImageParams },
  responses: {
    200: {
      description: "The image",
      content: Object.fromEntries(
        imageContentTypes.map((type) => [type, { schema: z.string().openapi({ format: "binary" }) }]),
      ),
    },
    400: errorResponses[400],
    404: errorResponses[404],
  },
});

/** The image's real type, or 415: the declared type must be an accepted one and match the bytes. */
function checkedImageType(file: File, bytes: Uint8Array): ImageContentType {
  const declared = file.type.split(";")[0]!.trim().toLowerCase();
  const accepted = imageContentTypes.join(", ");
  if (!(imageContentTypes as readonly string[]).includes(declared)) {
    throw new AppError(
      "unsupported_media_type",
      415,
      `file type ${declared || "(none)"} is not accepted; send ${accepted}`,
    );
  }
  const actual = sniffImageType(bytes);
  if (actual !== declared) {
    throw new AppError(
      "unsupported_media_type",
      415,
      `file content is ${actual ?? "not a JPEG, PNG or WebP image"}, not the declared ${declared}`,
    );
  }
  return actual;
}

export function spaceImageRoutes({ pool, config, objects, logger }: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(uploadImage, async (c) => {
      const user = currentUser(c);
      const { id } = c.req.valid("param");
      const space = await spacesRepo.findSpace(pool, id);
      if (!space || space.status === "deleted") throw errors.notFound("space");
      assertCanManage(user, space.hostId);
      const { file } = c.req.valid("form");
      if (file.size > config.SPACE_IMAGE_MAX_BYTES) {
        throw new AppError(
          "payload_too_large",
          413,
          `image is ${file.size} bytes; the limit is ${config.SPACE_IMAGE_MAX_BYTES}`,
        );
      }
      if (file.size === 0) throw errors.validation("invalid form: file: is empty");
      const bytes = new Uint8Array(await file.arrayBuffer());
      const contentType = checkedImageType(file, bytes);

      const imageId = randomUUID();
      const storageKey = `spaces/${id}/${imageId}.${extensionOf(contentType)}`;
      const image = await withTransaction(pool, async (tx) => {
        await lockSpaceForChange(tx, id, user);
        if ((await imagesRepo.countImages(tx, id)) >= config.SPACE_IMAGES_PER_SPACE) {
          throw new AppError(
            "too_many_images",
            409,
            `a space may have at most ${config.SPACE_IMAGES_PER_SPACE} images; delete one first`,
          );
        }
        await objects.put(storageKey, bytes, contentType);
        try {
          return await imagesRepo.insertImage(tx, {
            id: imageId,
            spaceId: id,
            storageKey,
            contentType,
            sizeBytes: bytes.byteLength,
          });
        } catch (error) {
          await objects.delete(storageKey).catch(() => {});
          throw error;
        }
      });
      return c.json(
        {
          id: image.id,
          url: imageUrl(id, image.id),
          contentType: image.contentType,
          sizeBytes: image.sizeBytes,
          position: image.position,
        },
        201,
      );
    })
    .openapi(deleteImage, async (c) => {
      const user = currentUser(c);
      const { id, imageId } = c.req.valid("param");
      const image = await withTransaction(pool, async (tx) => {
        await lockSpaceForChange(tx, id, user);
        const found = await imagesRepo.findImage(tx, id, imageId);
        if (!found) throw errors.notFound("image");
        await imagesRepo.deleteImage(tx, id, imageId);
        return found;
      });
      // The row is gone, so nobody is shown the file any more; a file left behind is only wasted space.
      await objects.delete(image.storageKey).catch((error: unknown) => {
        logger.warn({ err: error, storageKey: image.storageKey }, "could not delete an image file");
      });
      return c.body(null, 204);
    })
    .openapi(getImage, async (c) => {
      const { id, imageId } = c.req.valid("param");
      const space = await spacesRepo.findSpace(pool, id);
      if (!space || (space.status === "deleted" && !canManageSpace(c.var.user, space.hostId))) {
        throw errors.notFound("space");
      }
      const image = await imagesRepo.findImage(pool, id, imageId);
      const stored = image ? await objects.get(image.storageKey) : undefined;
      if (!image || !stored) throw errors.notFound("image");
      return c.body(Buffer.from(stored.bytes), 200, {
        "Content-Type": image.contentType,
        "Content-Length": String(stored.bytes.byteLength),
        "Cache-Control": "public, max-age=86400, immutable",
        "X-Content-Type-Options": "nosniff",
      });
    });
}
