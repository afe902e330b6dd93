// Opaque cursors for lists ordered by (created_at, id): the last row's microsecond timestamp and id,
// base64url-encoded. Anything else sent back as a cursor is a 400.
import { errors } from "../../src/errors.ts";

export interface CreatedAtCursor {
  createdAt: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeListCursor(cursor: CreatedAtCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export function decodeListCursor(value: string): CreatedAtCursor {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    if (
      typeof createdAt === "string" &&
      TIMESTAMP.test(createdAt) &&
      typeof id === "string" &&
      UUID.test(id)
    ) {
      return { createdAt, id };
    }
  } catch {
    // not base64url JSON: fall through to the 400
  }
  throw errors.validation("invalid query: cursor: not a cursor this API gave out");
}
