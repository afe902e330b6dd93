// /api/v1/auth: register, login, refresh (rotating), logout, email verification and password reset.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env.ts";
import type { AppDeps } from "../deps.ts";
import { validationHook } from "../errors.ts";
import { anyone, errorResponses, jsonBody, jsonResponse } from "../schemas.ts";
import { nulFree, text } from "../text-fields.ts";

const email = z.email().max(254).openapi({ example: "ana@example.com" });
const password = z
  .string()
  .min(8, "must be at least 8 characters")
  .max(128)
  .openapi({ example: "correct horse battery" });
const name = text(100);

const RegisterBody = z
  .strictObject({ email, password, firstName: name, lastName: name, role: z.enum(["driver", "host"]) })
  .openapi("RegisterRequest");
const LoginBody = z.strictObject({ email, password: z.string().min(1).max(128) }).openapi("LoginRequest");
const RefreshBody = z.strictObject({ refreshToken: nulFree().min(1).max(200) }).openapi("RefreshRequest");
const EmailBody = z.strictObject({ email }).openapi("EmailRequest");
const ResetBody = z
  .strictObject({ token: nulFree().min(1).max(200), password })
  .openapi("ResetPasswordRequest");

const SessionSchema = z
  .object({
    user: z.object({ id: z.uuid(), email: z.string(), roles: z.array(z.enum(["driver", "host", "admin"])) }),
    accessToken: z.string(),
    refreshToken: z.string(),
  })
  .openapi("Session");
const StatusSchema = z.object({ status: z.string() }).openapi("Status");

const tags = ["auth"];

const register = createRoute({
  method: "post",
  path: "/auth/register",
  operationId: "register",
  security: anyone,
  tags,
  summary:
    "Create an account (driver, or host who is also a driver); answers the same whether or not the address has one",
  description:
    "Always 202 {status: check_your_email}, no tokens: a new address gets a verification link, an existing account's owner a mail saying someone tried to register. Log in afterwards (an unverified account may log in).",
  request: { body: jsonBody(RegisterBody) },
  responses: {
    202: jsonResponse(StatusSchema, "Accepted; a mail is on its way"),
    400: errorResponses[400],
    429: errorResponses[429],
  },
});

const login = createRoute({
  method: "post",
  path: "/auth/login",
  operationId: "login",
  security: anyone,
  tags,
  summary: "Log in with email and password",
  request: { body: jsonBody(LoginBody) },
  responses: {
    200: jsonResponse(SessionSchema, "Logged in"),
    400: errorResponses[400],
    401: errorResponses[401],
    429: errorResponses[429],
  },
});

const refresh = createRoute({
  method: "post",
  path: "/auth/refresh",
  operationId: "refreshSession",
  security: anyone,
  tags,
  summary: "Trade a refresh token for a new session; each refresh token works once",
  request: { body: jsonBody(RefreshBody) },
  responses: {
    200: jsonResponse(SessionSchema, "New access and refresh tokens"),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

const logout = createRoute({
  method: "post",
  path: "/auth/logout",
  operationId: "logout",
  security: anyone,
  tags,
  summary: "End the session the refresh token belongs to",
  request: { body: jsonBody(RefreshBody) },
  responses: { 204: { description: "Logged out" }, 400: errorResponses[400] },
});

const forgotPassword = createRoute({
  method: "post",
  path: "/auth/forgot-password",
  operationId: "forgotPassword",
  security: anyone,
  tags,
  summary: "Mail a password-reset link (answers the same whether or not the account exists)",
  request: { body: jsonBody(EmailBody) },
  responses: {
    202: jsonResponse(StatusSchema, "Accepted"),
    400: errorResponses[400],
    429: errorResponses[429],
  },
});

const resetPassword = createRoute({
  method: "post",
  path: "/auth/reset-password",
  operationId: "resetPassword",
  security: anyone,
  tags,
  summary: "Set a new password with a mailed reset token; ends every session of the account",
  request: { body: jsonBody(ResetBody) },
  responses: { 200: jsonResponse(StatusSchema, "Password changed"), 400: errorResponses[400] },
});

const verifyEmail = createRoute({
  method: "get",
  path: "/auth/verify-email",
  operationId: "verifyEmail",
  security: anyone,
  tags,
  summary: "Confirm an email address with the mailed token",
  request: { query: z.strictObject({ token: z.string().min(1).max(200) }) },
  responses: { 200: jsonResponse(StatusSchema, "Verified"), 400: errorResponses[400] },
});

const resendVerification = createRoute({
  method: "post",
  path: "/auth/resend-verification",
  operationId: "resendVerification",
  security: anyone,
  tags,
  summary: "Mail a new verification link (answers the same whether or not the account exists)",
  request: { body: jsonBody(EmailBody) },
  responses: {
    202: jsonResponse(StatusSchema, "Accepted"),
    400: errorResponses[400],
    429: errorResponses[429],
  },
});

export function authRoutes({ auth }: AppDeps) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
    .openapi(register, async (c) => {
      await auth.register(c.req.valid("json"));
      return c.json({ status: "check_your_email" }, 202);
    })
    .openapi(login, async (c) => {
      const body = c.req.valid("json");
      return c.json(await auth.login(body.email, body.password), 200);
    })
    .openapi(refresh, async (c) => c.json(await auth.refresh(c.req.valid("json").refreshToken), 200))
    .openapi(logout, async (c) => {
      await auth.logout(c.req.valid("json").refreshToken);
      return c.body(null, 204);
    })
    .openapi(forgotPassword, async (c) => {
      auth.forgotPassword(c.req.valid("json").email);
      return c.json({ status: "accepted" }, 202);
    })
    .openapi(resetPassword, async (c) => {
      const body = c.req.valid("json");
      await auth.resetPassword(body.token, body.password);
      return c.json({ status: "password_reset" }, 200);
    })
    .openapi(verifyEmail, async (c) => {
      await auth.verifyEmail(c.req.valid("query").token);
      return c.json({ status: "verified" }, 200);
    })
    .openapi(resendVerification, async (c) => {
      auth.resendVerification(c.req.valid("json").email);
      return c.json({ status: "accepted" }, 202);
    });
}
