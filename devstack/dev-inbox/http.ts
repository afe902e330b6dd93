// The dev inbox's HTTP side, for tests and the demo: a JSON API (list by recipient, get one, delete all)
// and a minimal HTML page to read the mail in a browser. Local only: it has no authentication.
//   GET    /api/messages?to=ADDRESS   { messages: [...] }, newest first (all messages without `to`)
//   GET    /api/messages/{id}         one message, or 404
//   DELETE /api/messages              { deleted: n }
//   GET    /                          the inbox page (?to=ADDRESS filters)
//   GET    /messages/{id}             one message's page
//   GET    /health                    { ok: true }
import { Hono } from "hono";
import { z } from "zod";
import { inboxPage, messagePage } from "./page.ts";
import type { InboxStore } from "./store.ts";

const listQuery = z.strictObject({ to: z.email().optional() });

function notFound(id: string) {
  return { error: { code: "not_found", message: `no message ${id} in the inbox` } };
}

export function createInboxApp(store: InboxStore) {
  const app = new Hono();
  app.get("/health", (c) => c.json({ ok: true }));
  app.get("/api/messages", (c) => {
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) {
      return c.json({ error: { code: "validation_failed", message: "to: must be an email address" } }, 400);
    }
    return c.json({ messages: store.list(query.data.to) });
  });
  app.get("/api/messages/:id", (c) => {
    const message = store.get(c.req.param("id"));
    return message ? c.json(message) : c.json(notFound(c.req.param("id")), 404);
  });
  app.delete("/api/messages", (c) => c.json({ deleted: store.clear() }));
  app.get("/", (c) => {
    const query = listQuery.safeParse(c.req.query());
    const to = query.success ? query.data.to : undefined;
    return c.html(inboxPage(store.list(to), to));
  });
  app.get("/messages/:id", (c) => {
    const message = store.get(c.req.param("id"));
    return message ? c.html(messagePage(message)) : c.json(notFound(c.req.param("id")), 404);
  });
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route ${c.req.path}` } }, 404));
  return app;
}
