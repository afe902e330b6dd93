// Where uploaded files (space images) live: a small interface so the local folder used here can be
// swapped for S3-compatible storage in production without touching the routes.

export interface StoredObject {
  bytes: Uint8Array;
  contentType: string;
}

export interface ObjectStorage {
  /** Writes (or overwrites) the object under `key`. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The object, or undefined when there is none under `key`. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Removes the object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}

/** Keys are relative slash-separated paths of safe characters: no "..", no leading slash. */
export function assertObjectKey(key: string): void {
  const safe = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/.test(key);
  if (!safe || key.split("/").some((part) => part === "." || part === "..") || key.length > 512) {
    throw new Error(`invalid object key: ${key}`);
  }
}
