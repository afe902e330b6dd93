// The live protocol, written once for both transports (raw `ws` and socket.io): zod schemas of
// what clients may send, and encoders of what the server sends. Server messages are built as JSON
// text once and the same text goes to every watcher; cell state arrives pre-encoded from Redis.
import { z } from "zod";
import { type SessionEndReason, sessionEndReasonSchema } from "../../src/auth/session-revocations.ts";
import { roleSchema } from "../../src/domain/roles.ts";
import { approvalRequestSchema, resolvedStatusSchema } from "../../src/live/host-prompts.ts";
import { spaceLiveStateSchema } from "../../src/live/space-live-state.ts";

const ref = z.union([z.string().max(64), z.number().int()]);
const cell = z.string().regex(/^[0-9a-f]{15}$/, "an H3 cell index (15 hex digits)");
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

export const viewportSchema = z
  .strictObject({ north: latitude, south: latitude, east: longitude, west: longitude })
  .refine((v) => v.north > v.south, { message: "north must be greater than south" });
export type Viewport = z.infer<typeof viewportSchema>;

export const clientMessageSchema = z.union([
  z.strictObject({
    type: z.literal("subscribe"),
    ref: ref.optional(),
    viewport: viewportSchema,
    zoom: z.number().min(0).max(24),
  }),
  z.strictObject({
    type: z.literal("subscribe"),
    ref: ref.optional(),
    cells: z.array(cell).min(1).max(1000),
  }),
  z.strictObject({
    type: z.literal("unsubscribe"),
    ref: ref.optional(),
    cells: z.array(cell).max(1000).optional(),
  }),
  z.strictObject({
    type: z.literal("resume"),
    ref: ref.optional(),
    cells: z
      .record(cell, z.strictObject({ epoch: z.string().min(1).max(64), offset: z.number().int().min(0) }))
      .refine((cells) => Object.keys(cells).length <= 1000, { message: "at most 1000 cells" }),
  }),
  z.strictObject({ type: z.literal("approve"), ref: ref.optional(), bookingId: z.uuid() }),
  z.strictObject({
    type: z.literal("reject"),
    ref: ref.optional(),
    bookingId: z.uuid(),
    reason: z.string().max(500).optional(),
  }),
  // A fresh access token for this socket: after `session_ended`, before the token expires, or to log in.
  z.strictObject({
    type: z.literal("authenticate"),
    ref: ref.optional(),
    token: z.string().min(1).max(4096),
  }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type Ref = z.infer<typeof ref>;

export type LiveErrorCode =
  | "invalid_message"
  | "viewport_too_large"
  | "too_many_cells"
  | "rate_limited"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "unavailable"
  | "internal";

/** Every message the server sends (for clients, tests and docs; the server builds them as text). */
export const serverMessageSchema = z.union([
  z.strictObject({
    type: z.literal("subscribed"),
    ref: ref.optional(),
    mode: z.enum(["spaces", "aggregate"]),
    cells: z.array(cell),
  }),
  z.strictObject({ type: z.literal("unsubscribed"), ref: ref.optional(), cells: z.array(cell) }),
  z.strictObject({
    type: z.literal("snapshot"),
    cell,
    epoch: z.string(),
    offset: z.number().int(),
    spaces: z.array(spaceLiveStateSchema),
  }),
  z.union([
    z.strictObject({
      type: z.literal("delta"),
      cell,
      epoch: z.string(),
      offset: z.number().int(),
      space: spaceLiveStateSchema,
    }),
    z.strictObject({
      type: z.literal("delta"),
      cell,
      epoch: z.string(),
      offset: z.number().int(),
      removed: z.uuid(),
    }),
  ]),
  z.strictObject({
    type: z.literal("aggregate"),
    cell,
    free: z.number().int(),
    total: z.number().int(),
    version: z.number().int(),
  }),
  approvalRequestSchema.extend({ type: z.literal("approval_request") }),
  z.strictObject({ type: z.literal("approval_resolved"), bookingId: z.uuid(), status: resolvedStatusSchema }),
  z.strictObject({ type: z.literal("ack"), ref: ref.optional(), bookingId: z.uuid(), status: z.string() }),
  z.strictObject({ type: z.literal("error"), ref: ref.optional(), code: z.string(), message: z.string() }),
  z.strictObject({
    type: z.literal("authenticated"),
    ref: ref.optional(),
    userId: z.uuid(),
    roles: z.array(roleSchema),
    expiresAt: z.iso.datetime(),
  }),
  z.strictObject({ type: z.literal("session_ended"), reason: sessionEndReasonSchema }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** Parses one client frame; a readable problem instead of a throw. */
export function parseClientMessage(
  text: string,
): { ok: true; message: ClientMessage } | { ok: false; problem: string; ref?: Ref } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, problem: "message is not valid JSON" };
  }
  return parseClientValue(raw);
}

export function parseClientValue(
  raw: unknown,
): { ok: true; message: ClientMessage } | { ok: false; problem: string; ref?: Ref } {
  const parsed = clientMessageSchema.safeParse(raw);
  if (parsed.success) return { ok: true, message: parsed.data };
  const rawRef = ref.safeParse((raw as { ref?: unknown } | null)?.ref);
  const issue = parsed.error.issues[0];
  const type = (raw as { type?: unknown } | null)?.type;
  const known = ["subscribe", "unsubscribe", "resume", "approve", "reject", "authenticate"];
  const problem =
    typeof type !== "string" || !known.includes(type)
      ? `unknown message type; expected one of ${known.join(", ")}`
      : `invalid ${type}: ${describeIssue(issue)}`;
  return rawRef.success && rawRef.data !== undefined
    ? { ok: false, problem, ref: rawRef.data }
    : { ok: false, problem };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "not valid";
  if (issue.code === "invalid_union") {
    const nested = issue.errors
      .map((branch) => branch[0])
      .filter(Boolean)
      .sort((a, b) => (b?.path.length ?? 0) - (a?.path.length ?? 0))[0];
    return describeIssue(nested);
  }
  return issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message;
}

const refPart = (r: Ref | undefined) => (r === undefined ? "" : `,"ref":${JSON.stringify(r)}`);

export const encode = {
  snapshot: (cellId: string, epoch: string, offset: number, spaces: readonly string[]) =>
    `{"type":"snapshot","cell":"${cellId}","epoch":${JSON.stringify(epoch)},"offset":${offset},"spaces":[${spaces.join(",")}]}`,
  aggregate: (a: { cell: string; free: number; total: number; version: number }) =>
    `{"type":"aggregate","cell":"${a.cell}","free":${a.free},"total":${a.total},"version":${a.version}}`,
  subscribed: (mode: "spaces" | "aggregate", cells: readonly string[], r?: Ref) =>
    `{"type":"subscribed"${refPart(r)},"mode":"${mode}","cells":${JSON.stringify(cells)}}`,
  unsubscribed: (cells: readonly string[], r?: Ref) =>
    `{"type":"unsubscribed"${refPart(r)},"cells":${JSON.stringify(cells)}}`,
  ack: (bookingId: string, status: string, r?: Ref) =>
    `{"type":"ack"${refPart(r)},"bookingId":${JSON.stringify(bookingId)},"status":${JSON.stringify(status)}}`,
  authenticated: (user: { userId: string; roles: readonly string[]; expiresAt: number }, r?: Ref) =>
    `{"type":"authenticated"${refPart(r)},"userId":${JSON.stringify(user.userId)},"roles":${JSON.stringify(user.roles)},"expiresAt":"${new Date(user.expiresAt * 1000).toISOString()}"}`,
  sessionEnded: (reason: SessionEndReason) => `{"type":"session_ended","reason":"${reason}"}`,
  error: (code: LiveErrorCode, message: string, r?: Ref) =>
    `{"type":"error"${refPart(r)},"code":"${code}","message":${JSON.stringify(message)}}`,
};
