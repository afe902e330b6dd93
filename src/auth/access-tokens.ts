// Short-lived access tokens: HS256 JWTs (jose) carrying the user id and roles.
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { type Role, roleSchema } from "../domain/roles.ts";
import { AppError } from "../errors.ts";

const ISSUER = "parkealo-live";

export interface AccessClaims {
  userId: string;
  roles: Role[];
}

const claimsSchema = z.object({ sub: z.uuid(), roles: z.array(roleSchema), typ: z.literal("access") });

export class AccessTokens {
  private readonly key: Uint8Array;
  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({ roles: claims.roles, typ: "access" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  async verify(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ["HS256"] });
      const claims = claimsSchema.parse(payload);
      return { userId: claims.sub, roles: claims.roles };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new AppError("token_expired", 401, "access token expired");
      throw new AppError("unauthenticated", 401, "invalid access token");
    }
  }
}
