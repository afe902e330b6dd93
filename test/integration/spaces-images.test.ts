// Space photos over multipart uploads: type checked by declared type and magic bytes, size limited,
// stored through the object storage (a temp folder here), listed in the space, fetched and deleted;
// retries with the same Idempotency-Key store one image even under a new multipart boundary.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  hostFootprint,
  hostWithSpace,
  jpegBytes,
  objectStorageDir,
  pngBytes,
  signUpAdmin,
  uploadFile,
  webpBytes,
} from "../support/space-fixtures.ts";
import { createTestApp, expectErrorShape } from "../support/test-app.ts";

const storageDir = objectStorageDir();
const MAX = 4096;
const t = createTestApp({ OBJECT_STORAGE_DIR: storageDir, SPACE_IMAGE_MAX_BYTES: String(MAX) });

const filesOf = (spaceId: string) => {
  const dir = join(storageDir, "spaces", spaceId);
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.endsWith(".type")) : [];
};

async function hostAndSpace() {
  const { host, spaceId } = await hostWithSpace(t);
  return {
    host,
    spaceId,
    token: host.session.accessToken as string,
    path: `/api/v1/spaces/${spaceId}/images`,
  };
}

describe("uploading", () => {
  it("stores JPEG, PNG and WebP files, lists them in the space in order, and serves their bytes", async () => {
    const { host, spaceId, token, path } = await hostAndSpace();
    const png = pngBytes(1000);
    const first = await uploadFile(t, token, path, { bytes: png, type: "image/png", name: "front.png" });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      url: `/api/v1/spaces/${spaceId}/images/${first.body.id}`,
      contentType: "image/png",
      sizeBytes: 1000,
      position: 0,
    });
    const second = await uploadFile(t, token, path, { bytes: jpegBytes(), type: "image/jpeg" });
    const third = await uploadFile(t, token, path, { bytes: webpBytes(), type: "image/webp" });
    expect([second.status, third.status]).toEqual([201, 201]);

    const space = await t.client().get(`/api/v1/spaces/${spaceId}`);
    expect(space.body.images.map((i: any) => [i.id, i.contentType, i.position])).toEqual([
      [first.body.id, "image/png", 0],
      [second.body.id, "image/jpeg", 1],
      [third.body.id, "image/webp", 2],
    ]);
    expect(filesOf(spaceId)).toHaveLength(3);

    const fetched = await t.app.request(first.body.url);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("content-type")).toBe("image/png");
    expect(fetched.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(png);
    expect((await hostFootprint(t, host.userId)).images).toBe(3);
  });

  it("refuses a file whose bytes are not the image type it claims (415), storing nothing", async () => {
    const { host, spaceId, token, path } = await hostAndSpace();
    const before = await hostFootprint(t, host.userId);
    const text = new TextEncoder().encode("#!/bin/sh\necho not an image\n");
    const fake = await uploadFile(t, token, path, { bytes: text, type: "image/png", name: "x.png" });
    expect(fake.status).toBe(415);
    expectErrorShape(fake.body);
    expect(fake.body.error.code).toBe("unsupported_media_type");
    const mislabelled = await uploadFile(t, token, path, { bytes: jpegBytes(), type: "image/png" });
    expect(mislabelled.status).toBe(415);
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0]);
    const gifRes = await uploadFile(t, token, path, { bytes: gif, type: "image/gif" });
    expect(gifRes.status).toBe(415);
    expectErrorShape(gifRes.body);
    const svg = await uploadFile(t, token, path, {
      bytes: new TextEncoder().encode("<svg/>"),
      type: "image/svg+xml",
    });
    expect(svg.status).toBe(415);
    expect(await hostFootprint(t, host.userId)).toEqual(before);
    expect(filesOf(spaceId)).toEqual([]);
  });

  it("refuses a file over the size limit (413), whether just over or far over", async () => {
    const { host, spaceId, token, path } = await hostAndSpace();
    const before = await hostFootprint(t, host.userId);
    const justOver = await uploadFile(t, token, path, { bytes: pngBytes(MAX + 1), type: "image/png" });
    expect(justOver.status).toBe(413);
    expectErrorShape(justOver.body);
    expect(justOver.body.error.code).toBe("payload_too_large");
    const farOver = await uploadFile(t, token, path, { bytes: pngBytes(200_000), type: "image/png" });
    expect(farOver.status).toBe(413);
    expectErrorShape(farOver.body);
    const atLimit = await uploadFile(t, token, path, { bytes: pngBytes(MAX), type: "image/png" });
    expect(atLimit.status).toBe(201);
    expect((await hostFootprint(t, host.userId)).images).toBe(before.images + 1);
    expect(filesOf(spaceId)).toHaveLength(1);
  });

  it("keeps the small JSON body limit on every other route", async () => {
    const host = await t.signUp("host");
    const res = await host.client.post("/api/v1/spaces", {
      title: "x".repeat(t.config.BODY_LIMIT_BYTES + 10),
    });
    expect(res.status).toBe(413);
    expectErrorShape(res.body);
  });

  it("answers 400 without a file field, and 415 for a JSON body", async () => {
    const { token, path, host } = await hostAndSpace();
    const noFile = await uploadFile(t, token, path, { bytes: pngBytes(), type: "image/png", field: "photo" });
    expect(noFile.status).toBe(400);
    expectErrorShape(noFile.body);
    const form = new FormData();
    form.append("file", new Blob([pngBytes()], { type: "image/png" }), "a.png");
    form.append("caption", "front");
    const extra = await t.app.request(path, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(extra.status).toBe(400);
    expectErrorShape(await extra.json());
    const json = await host.client.post(path, { file: "abc" });
    expect(json.status).toBe(415);
    expectErrorShape(json.body);
  });

  it("lets only the space's host or an admin add photos", async () => {
    const { spaceId, path } = await hostAndSpace();
    const other = await t.signUp("host");
    const refused = await uploadFile(t, other.session.accessToken, path, {
      bytes: pngBytes(),
      type: "image/png",
    });
    expect(refused.status).toBe(403);
    expectErrorShape(refused.body);
    const driver = await t.signUp("driver");
    expect(
      (await uploadFile(t, driver.session.accessToken, path, { bytes: pngBytes(), type: "image/png" }))
        .status,
    ).toBe(403);
    expect((await uploadFile(t, undefined, path, { bytes: pngBytes(), type: "image/png" })).status).toBe(401);
    expect(filesOf(spaceId)).toEqual([]);
    const admin = await signUpAdmin(t);
    expect((await uploadFile(t, admin.token, path, { bytes: pngBytes(), type: "image/png" })).status).toBe(
      201,
    );
    const unknown = "/api/v1/spaces/00000000-0000-4000-8000-000000000000/images";
    expect((await uploadFile(t, admin.token, unknown, { bytes: pngBytes(), type: "image/png" })).status).toBe(
      404,
    );
  });

  it("caps the number of photos per space", async () => {
    const { token, path } = await hostAndSpace();
    for (let i = 0; i < t.config.SPACE_IMAGES_PER_SPACE; i++) {
      expect((await uploadFile(t, token, path, { bytes: pngBytes(64), type: "image/png" })).status).toBe(201);
    }
    const over = await uploadFile(t, token, path, { bytes: pngBytes(64), type: "image/png" });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("too_many_images");
  });

  it("replays a retried upload with the same Idempotency-Key instead of storing the photo twice", async () => {
    const { host, spaceId, token, path } = await hostAndSpace();
    const file = { bytes: pngBytes(800), type: "image/png", name: "front.png" };
    const headers = { "idempotency-key": `upload-${spaceId}` };
    const first = await uploadFile(t, token, path, file, headers);
    const retry = await uploadFile(t, token, path, file, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect((await hostFootprint(t, host.userId)).images).toBe(1);
    // The stored bytes are the uploaded ones: the middleware read the body without mangling it.
    const fetched = await t.app.request(first.body.url);
    expect(new Uint8Array(await fetched.arrayBuffer())).toEqual(file.bytes);
    const different = await uploadFile(t, token, path, { ...file, bytes: pngBytes(801) }, headers);
    expect(different.status).toBe(422);
  });
});

describe("deleting", () => {
  it("removes the row and the file; the photo is gone from the space", async () => {
    const { host, spaceId, token, path } = await hostAndSpace();
    const up = await uploadFile(t, token, path, { bytes: pngBytes(), type: "image/png" });
    const keep = await uploadFile(t, token, path, { bytes: jpegBytes(), type: "image/jpeg" });
    const other = await t.signUp("host");
    expect((await other.client.call("DELETE", `${path}/${up.body.id}`)).status).toBe(403);
    const res = await host.client.call("DELETE", `${path}/${up.body.id}`);
    expect(res.status).toBe(204);
    const space = await t.client().get(`/api/v1/spaces/${spaceId}`);
    expect(space.body.images.map((i: any) => i.id)).toEqual([keep.body.id]);
    expect(filesOf(spaceId)).toEqual([`${keep.body.id}.jpg`]);
    expect((await t.app.request(up.body.url)).status).toBe(404);
    expect((await host.client.call("DELETE", `${path}/${up.body.id}`)).status).toBe(404);
    expect((await host.client.call("DELETE", `${path}/not-a-uuid`)).status).toBe(400);
  });
});
