// The answers the Idempotency-Key store keeps are sealed (AES-256-GCM) under a key that only a retry
// of the same request can rebuild: an HMAC-SHA256, under a sub-key of the server's secret, of the
// caller's scope, the Idempotency-Key and the request itself (method, path, body). The store holds
// none of that but a SHA-256 fingerprint of the request, another hash domain, so a row read from the
// database alone (tokens in its answer included) reveals nothing, and the retry, which carries the
// same body, opens it.
import { createCipheriv, createDecipheriv, createHmac, type Hmac, randomBytes } from "node:crypto";

const SUB_KEY_LABEL = "parkealo-live/idempotency-answers/v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The sub-key answer keys are derived under: the raw secret itself never keys anything here. */
export function answerSealingKey(secret: string): Buffer {
  return createHmac("sha256", secret).update(SUB_KEY_LABEL).digest();
}

/** The HMAC whose digest becomes the answer's key, once the request's bytes have been fed to it. */
export function answerKeyHmac(sealingKey: Buffer, scope: string, idempotencyKey: string): Hmac {
  return createHmac("sha256", sealingKey).update(`${JSON.stringify([scope, idempotencyKey])}\n`);
}

/** The answer's body sealed: base64 of the random IV, the GCM tag and the ciphertext. */
export function sealAnswer(answerKey: Buffer, body: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", answerKey, iv);
  const ciphertext = Buffer.concat([cipher.update(body, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
}

/** The body sealed under this key; undefined when it was sealed under another key or altered. */
export function openAnswer(answerKey: Buffer, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, "base64");
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv("aes-256-gcm", answerKey, bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    return undefined;
  }
}
