// /api/v1/dev/mailbox/{email}: mails the service "sent" to an address, when DEV_MAILBOX is on
// (never in production by default). Tests and the demo follow verification and reset links here.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { DevMailbox } from "../../../src/mail/dev-mailbox.ts";
import type { AppEnv } from "../app-env.ts";
import { validationHook } from "../errors.ts";
import { anyone, errorResponses, jsonResponse } from "../schemas.ts";

const MailSchema = z
  .object({
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    link: z.string().optional(),
    sentAt: z.string(),
  })
  .openapi("DevMail");

const readMailbox = createRoute({
  method: "get",
  path: "/dev/mailbox/{email}",
  operationId: "readDevMailbox",
  security: anyone,
  tags: ["dev"],
  summary: "Mails sent to an address, newest first (development mailbox)",
  request: { params: z.strictObject({ email: z.email() }) },
  responses: {
    200: jsonResponse(z.object({ mails: z.array(MailSchema) }), "Mails"),
    400: errorResponses[400],
  },
});

export function devMailboxRoutes(mailbox: DevMailbox) {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook }).openapi(readMailbox, async (c) =>
    c.json({ mails: await mailbox.read(c.req.valid("param").email) }, 200),
  );
}
