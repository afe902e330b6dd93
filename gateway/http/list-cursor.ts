// Opaque cursors for lists ordered by (created_at, id): the last row's microsecond timestamp and id,
// base64url-encoded. A cursor is checked whole (a real instant since 1970 in the form the API writes,
// a uuid) before it reaches a query; anything else sent back as a cursor is a 400.
import { z } from "zod";
import { errors } from "../../src/errors.ts";

export interface CreatedAtCursor {
  createdAt: string;
  id: string;
}

/** Microsecond UTC timestamps as PostgreSQL writes them; z.iso.datetime refuses month 13, Feb 30, 24:00. */
const createdAt = z.iso
  .datetime({ precision: 6 })
  .refine((value) => Date.parse(value) >= 0, "must not be before 1970");

const cursorSchema = z.tuple([createdAt, z.uuid()]);

export function encodeListCursor(cursor: CreatedAtCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export function decodeListCursor(value: string): CreatedAtCursor {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = cursorSchema.safeParse(json);
  if (!parsed.success) {
    throw errors.validation("invalid query: cursor: not a cursor this API gave out", [
      { path: "cursor", message: "malformed" },
    ]);
  }
  const [at, id] = parsed.data;
  return { createdAt: at, id };
}
