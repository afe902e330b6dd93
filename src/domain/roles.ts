// Who may do what: a driver books, a host lists spaces (and is a driver too), an admin may act on anything.
import { z } from "zod";

export const roleSchema = z.enum(["driver", "host", "admin"]);
export type Role = z.infer<typeof roleSchema>;

/** Roles a newly registered account gets: every host is also a driver. */
export function rolesForSignup(role: "driver" | "host"): Role[] {
  return role === "host" ? ["driver", "host"] : ["driver"];
}

/** True when `held` satisfies any of `required`; admin satisfies every role. */
export function hasAnyRole(held: readonly Role[], required: readonly Role[]): boolean {
  return held.includes("admin") || required.some((role) => held.includes(role));
}
