// Accounts and sessions: register, log in, rotate refresh tokens (reuse revokes the family), log out,
// verify an email address and reset a password through one-time mailed links. A login session is a
// refresh-token family; its id is the access tokens' `sid`, and ending one is announced to the gateways.
// No answer tells whether an address has an account: register answers the same either way (the owner
// of an existing account is mailed instead), and forgot-password / resend-verification answer before
// any per-account work, which runs in the background (BackgroundTasks).
import { randomUUID } from "node:crypto";
import type { BackgroundTasks } from "../background-tasks.ts";
import type { Config } from "../config/index.ts";
import { type Role, rolesForSignup } from "../domain/roles.ts";
import { AppError, errors } from "../errors.ts";
import type { Mailer } from "../mail/mailer.ts";
import * as tokensRepo from "../storage/auth-tokens-repository.ts";
import {
  PG_UNIQUE_VIOLATION,
  type Pool,
  pgErrorCode,
  type Queryable,
  withTransaction,
} from "../storage/postgres.ts";
import * as usersRepo from "../storage/users-repository.ts";
import type { AccessTokens } from "./access-tokens.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { newOpaqueToken, tokenHash } from "./opaque-tokens.ts";
import { burnPasswordCheck, hashPassword, verifyPassword } from "./passwords.ts";
import type { SessionRevocations } from "./session-revocations.ts";

export interface Session {
  user: { id: string; email: string; roles: Role[] };
  accessToken: string;
  refreshToken: string;
}

export interface RegisterInput {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
  role: "driver" | "host";
}

type AuthConfig = Pick<Config, "PUBLIC_URL" | "REFRESH_TOKEN_TTL_DAYS" | "EMAIL_TOKEN_TTL_MINUTES">;

export class AuthService {
  constructor(
    private readonly pool: Pool,
    private readonly config: AuthConfig,
    private readonly accessTokens: AccessTokens,
    private readonly throttle: LoginThrottle,
    private readonly mailer: Mailer,
    private readonly revocations: SessionRevocations,
    private readonly background: BackgroundTasks,
  ) {}

  /**
   * Creates the account unless the address has one; the caller hears the same either way. The slow
   * part (hashing the password) runs in both cases; the mail (a verification link, or to an existing
   * account's owner a note that someone tried to register) goes out in the background.
   */
  async register(input: RegisterInput): Promise<void> {
    const email = input.email.toLowerCase();
    const passwordHash = await hashPassword(input.password);
    const created = await withTransaction(this.pool, (tx) =>
      usersRepo.insertUser(tx, { ...input, email, passwordHash, roles: rolesForSignup(input.role) }),
    ).catch((error: unknown) => {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) return undefined;
      throw error;
    });
    if (created !== undefined) {
      this.background.run("register: verification mail", async () => {
        const token = await this.createEmailToken(this.pool, created.id, "verify_email");
        await this.sendVerification(email, token);
      });
    } else {
      this.background.run("register: existing account mail", () => this.mailExistingOwner(email));
    }
  }

  async login(emailInput: string, password: string): Promise<Session> {
    const email = emailInput.toLowerCase();
    await this.throttle.admitAttempt(email);
    const user = await usersRepo.findUserByEmail(this.pool, email);
    let valid = false;
    if (user) valid = await verifyPassword(user.passwordHash, password);
    else await burnPasswordCheck(password);
    if (!user || !valid || user.status !== "active") {
      throw new AppError("invalid_credentials", 401, "email or password is wrong");
    }
    await this.throttle.reset(email);
    return this.openSession(this.pool, user, randomUUID());
  }

  async refresh(refreshToken: string): Promise<Session> {
    const invalid = () => new AppError("invalid_token", 401, "refresh token is invalid or expired");
    const record = await tokensRepo.findRefreshToken(this.pool, tokenHash(refreshToken));
    if (!record || record.expiresAt.getTime() <= Date.now()) throw invalid();
    const outcome = await withTransaction(this.pool, async (tx) => {
      if (!(await tokensRepo.consumeRefreshToken(tx, record.id))) return "reused" as const;
      const user = await usersRepo.findUserById(tx, record.userId);
      if (user?.status !== "active") return "inactive" as const;
      return this.openSession(tx, user, record.familyId);
    });
    if (outcome === "reused") {
      // A used or revoked token came back: someone holds a copy. End every session of this login.
      await tokensRepo.revokeFamily(this.pool, record.familyId);
      await this.revocations.publish({
        userId: record.userId,
        sessionId: record.familyId,
        reason: "session_revoked",
      });
      throw new AppError(
        "refresh_token_reused",
        401,
        "refresh token was already used; the session is revoked",
      );
    }
    if (outcome === "inactive") throw invalid();
    return outcome;
  }

  async logout(refreshToken: string): Promise<void> {
    const record = await tokensRepo.findRefreshToken(this.pool, tokenHash(refreshToken));
    if (!record) return;
    await tokensRepo.revokeFamily(this.pool, record.familyId);
    await this.revocations.publish({ userId: record.userId, sessionId: record.familyId, reason: "logout" });
  }

  async verifyEmail(token: string): Promise<void> {
    const consumed = await tokensRepo.consumeEmailToken(this.pool, "verify_email", tokenHash(token));
    if (!consumed) throw new AppError("invalid_token", 400, "verification link is invalid, used or expired");
    await usersRepo.markEmailVerified(this.pool, consumed.userId);
  }

  /** Answers at once; mails a new link in the background when the address has an unverified account. */
  resendVerification(emailInput: string): void {
    this.background.run("resend-verification", () => this.mailVerificationAgain(emailInput));
  }

  /** Answers at once; mails a reset link in the background when the address has an active account. */
  forgotPassword(emailInput: string): void {
    this.background.run("forgot-password", () => this.mailPasswordReset(emailInput));
  }

  private async mailVerificationAgain(emailInput: string): Promise<void> {
    const user = await usersRepo.findUserByEmail(this.pool, emailInput.toLowerCase());
    if (!user || user.emailVerifiedAt || !(await this.throttle.allowMail(user.email))) return;
    const token = await this.createEmailToken(this.pool, user.id, "verify_email");
    await this.sendVerification(user.email, token);
  }

  private async mailPasswordReset(emailInput: string): Promise<void> {
    const user = await usersRepo.findUserByEmail(this.pool, emailInput.toLowerCase());
    if (user?.status !== "active" || !(await this.throttle.allowMail(user.email))) return;
    const token = await this.createEmailToken(this.pool, user.id, "reset_password");
    const link = `${this.config.PUBLIC_URL}/reset-password?token=${token}`;
    await this.mailer.send({
      to: user.email,
      subject: "Reset your Parkealo password",
      text: `Someone asked to reset the password of this account. If it was you, open ${link}\nIt works once and expires in ${this.config.EMAIL_TOKEN_TTL_MINUTES} minutes.`,
      link,
    });
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    const passwordHash = await hashPassword(newPassword);
    const userId = await withTransaction(this.pool, async (tx) => {
      const consumed = await tokensRepo.consumeEmailToken(tx, "reset_password", tokenHash(token));
      if (!consumed) throw new AppError("invalid_token", 400, "reset link is invalid, used or expired");
      await usersRepo.setPasswordHash(tx, consumed.userId, passwordHash);
      await tokensRepo.revokeAllForUser(tx, consumed.userId);
      return consumed.userId;
    });
    await this.revocations.publish({ userId, reason: "password_reset" });
  }

  /** Issues a fresh access token for the user's current roles (after a role change). */
  async reissue(db: Queryable, userId: string): Promise<Session> {
    const user = await usersRepo.findUserById(db, userId);
    if (!user) throw errors.notFound("user");
    return this.openSession(db, user, randomUUID());
  }

  private async openSession(db: Queryable, user: usersRepo.UserRecord, familyId: string): Promise<Session> {
    const refreshToken = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_DAYS * 86_400_000);
    await tokensRepo.insertRefreshToken(db, {
      userId: user.id,
      familyId,
      hash: tokenHash(refreshToken),
      expiresAt,
    });
    const accessToken = await this.accessTokens.sign({
      userId: user.id,
      roles: user.roles,
      sessionId: familyId,
    });
    return { user: { id: user.id, email: user.email, roles: user.roles }, accessToken, refreshToken };
  }

  private async createEmailToken(db: Queryable, userId: string, purpose: tokensRepo.EmailTokenPurpose) {
    const token = newOpaqueToken();
    const expiresAt = new Date(Date.now() + this.config.EMAIL_TOKEN_TTL_MINUTES * 60_000);
    await tokensRepo.insertEmailToken(db, { userId, purpose, hash: tokenHash(token), expiresAt });
    return token;
  }

  private async mailExistingOwner(email: string): Promise<void> {
    if (!(await this.throttle.allowMail(email))) return;
    const link = `${this.config.PUBLIC_URL}/reset-password`;
    await this.mailer.send({
      to: email,
      subject: "Someone tried to register with your Parkealo address",
      text: `Someone tried to create a Parkealo account with this address, which already has one. If it was you, log in as usual, or reset your password at ${link}. If not, you can ignore this mail.`,
      link,
    });
  }

  private async sendVerification(email: string, token: string) {
    const link = `${this.config.PUBLIC_URL}/api/v1/auth/verify-email?token=${token}`;
    await this.mailer.send({
      to: email,
      subject: "Confirm your email for Parkealo",
      text: `Welcome to Parkealo. Confirm this address by opening ${link}`,
      link,
    });
  }
}
