// The dev inbox's HTTP side over an in-memory store: the JSON API (list by recipient, one message, delete
// all, bad input refused with the error shape) and the pages, whose mail content is escaped.
import { describe, expect, it } from "vitest";
import { createInboxApp } from "../../devstack/dev-inbox/http.ts";
import { type InboxMessage, InboxStore } from "../../devstack/dev-inbox/store.ts";

function message(id: string, to: string, subject: string, text = "hello"): InboxMessage {
  return {
    id,
    receivedAt: "2026-05-01T10:00:00.000Z",
    envelope: { from: "no-reply@localhost", to: [to] },
    from: "Parkealo <no-reply@localhost>",
    to,
    subject,
    headers: { subject },
    text,
    html: `<p>${subject}</p>`,
    size: 100,
  };
}

const json = async (response: Response): Promise<any> => response.json();

function inbox() {
  const store = new InboxStore();
  store.add(
    message("m1", "ana@x.test", "Confirm your email", "Open http://localhost:3000/verify?token=a&b=1"),
  );
  store.add(message("m2", "luis@x.test", "<script>alert(1)</script>"));
  return createInboxApp(store);
}

describe("dev inbox API", () => {
  it("lists by recipient, newest first, and gets one message", async () => {
    const app = inbox();
    const all = await json(await app.request("/api/messages"));
    expect(all.messages.map((m: InboxMessage) => m.id)).toEqual(["m2", "m1"]);
    const ana = await json(await app.request("/api/messages?to=ANA%40x.test"));
    expect(ana.messages.map((m: InboxMessage) => m.id)).toEqual(["m1"]);
    const one = await app.request("/api/messages/m1");
    expect(one.status).toBe(200);
    expect((await json(one)).subject).toBe("Confirm your email");
    const missing = await app.request("/api/messages/nope");
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("not_found");
  });

  it("refuses a recipient that is not an address, and an unknown query field, with 400", async () => {
    const app = inbox();
    for (const query of ["to=not-an-address", "recipient=ana%40x.test"]) {
      const response = await app.request(`/api/messages?${query}`);
      expect(response.status, query).toBe(400);
      expect((await json(response)).error).toMatchObject({ code: "validation_failed" });
    }
  });

  it("deletes every message", async () => {
    const app = inbox();
    const response = await app.request("/api/messages", { method: "DELETE" });
    expect(await json(response)).toEqual({ deleted: 2 });
    expect((await json(await app.request("/api/messages"))).messages).toEqual([]);
  });
});

describe("dev inbox pages", () => {
  it("lists the mail with its subjects escaped, and shows a message with its links clickable", async () => {
    const app = inbox();
    const list = await (await app.request("/")).text();
    expect(list).toContain('<a href="/messages/m1">Confirm your email</a>');
    expect(list).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(list).not.toContain("<script>");
    const page = await (await app.request("/messages/m1")).text();
    expect(page).toContain('<a href="http://localhost:3000/verify?token=a&amp;b=1">');
    expect(page).toContain(
      '<iframe sandbox title="HTML part" srcdoc="&lt;p&gt;Confirm your email&lt;/p&gt;">',
    );
  });
});
