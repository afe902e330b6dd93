// Rows of space_images: which stored objects show a space, in display order.
import type { Queryable } from "./postgres.ts";

export interface SpaceImageRecord {
  id: string;
  spaceId: string;
  storageKey: string;
  contentType: string;
  sizeBytes: number;
  position: number;
  createdAt: Date;
}

const imageColumns = `id, space_id as "spaceId", storage_key as "storageKey", content_type as "contentType",
  size_bytes as "sizeBytes", position, created_at as "createdAt"`;

export async function listImages(db: Queryable, spaceId: string): Promise<SpaceImageRecord[]> {
  const { rows } = await db.query<SpaceImageRecord>(
    `select ${imageColumns} from space_images where space_id = $1 order by position, created_at`,
    [spaceId],
  );
  return rows;
}

export async function findImage(
  db: Queryable,
  spaceId: string,
  imageId: string,
): Promise<SpaceImageRecord | undefined> {
  const { rows } = await db.query<SpaceImageRecord>(
    `select ${imageColumns} from space_images where space_id = $1 and id = $2`,
    [spaceId, imageId],
  );
  return rows[0];
}

export async function countImages(db: Queryable, spaceId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>(
    `select count(*)::int as count from space_images where space_id = $1`,
    [spaceId],
  );
  return rows[0]!.count;
}

/** Adds the image after the space's last one. */
export async function insertImage(
  db: Queryable,
  image: { id: string; spaceId: string; storageKey: string; contentType: string; sizeBytes: number },
): Promise<SpaceImageRecord> {
  const { rows } = await db.query<SpaceImageRecord>(
    `insert into space_images (id, space_id, storage_key, content_type, size_bytes, position)
     values ($1, $2, $3, $4, $5,
       (select coalesce(max(position) + 1, 0) from space_images where space_id = $2))
     returning ${imageColumns}`,
    [image.id, image.spaceId, image.storageKey, image.contentType, image.sizeBytes],
  );
  return rows[0]!;
}

export async function deleteImage(db: Queryable, spaceId: string, imageId: string): Promise<boolean> {
  const { rowCount } = await db.query(`delete from space_images where space_id = $1 and id = $2`, [
    spaceId,
    imageId,
  ]);
  return (rowCount ?? 0) > 0;
}
