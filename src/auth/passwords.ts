// Password hashing with argon2id (OWASP's recommended parameters are @node-rs/argon2's defaults).
import { hash, verify } from "@node-rs/argon2";

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verifying against this when the account does not exist keeps login timing the same either way.
const decoy = hash("decoy-password-for-unknown-accounts");
export async function burnPasswordCheck(password: string): Promise<void> {
  await verifyPassword(await decoy, password);
}
