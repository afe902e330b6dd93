// The dev inbox's HTML pages: the list of messages (newest first, filterable by recipient) and one
// message with its text part (links clickable, so the demo follows verification and reset links) and
// its HTML part in a sandboxed frame (no scripts, no forms).
import { escapeHtml } from "../../src/mail/mail-html.ts";
import { type InboxMessage, MAX_MESSAGE_BYTES, MESSAGES_KEPT } from "./store.ts";

/** Escaped text whose http(s) URLs are links. */
function linkified(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>"']+)/g)
    .map((part, i) =>
      i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part),
    )
    .join("");
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}iframe{width:100%;height:24rem;border:1px solid #ddd}
.muted{color:#777}
</style></head><body>${body}</body></html>`;
}

export function inboxPage(messages: InboxMessage[], to?: string): string {
  const rows = messages
    .map(
      (m) =>
        `<tr><td class="muted">${escapeHtml(m.receivedAt.replace("T", " ").slice(0, 19))}</td>` +
        `<td>${escapeHtml(m.envelope.to.join(", "))}</td>` +
        `<td><a href="/messages/${encodeURIComponent(m.id)}">${escapeHtml(m.subject || "(no subject)")}</a></td></tr>`,
    )
    .join("\n");
  return layout(
    "Parkealo dev inbox",
    `<h1>Parkealo dev inbox</h1>
<p class="muted">Every mail the local services send; nothing is delivered. The newest ${MESSAGES_KEPT} are kept,
up to ${MAX_MESSAGE_BYTES / 1024 / 1024} MB each. JSON: <a href="/api/messages">/api/messages</a>.</p>
<form method="get" action="/"><input type="email" name="to" placeholder="recipient" value="${escapeHtml(to ?? "")}">
<button>Filter</button> ${to ? '<a href="/">all</a>' : ""}</form>
${messages.length ? `<table><tr><th>received</th><th>to</th><th>subject</th></tr>\n${rows}</table>` : "<p>No mail yet.</p>"}`,
  );
}

export function messagePage(m: InboxMessage): string {
  return layout(
    m.subject,
    `<p><a href="/">← inbox</a></p>
<h1>${escapeHtml(m.subject || "(no subject)")}</h1>
<table>
<tr><th>From</th><td>${escapeHtml(m.from)}</td></tr>
<tr><th>To</th><td>${escapeHtml(m.to)}</td></tr>
<tr><th>Envelope</th><td>${escapeHtml(m.envelope.from)} → ${escapeHtml(m.envelope.to.join(", "))}</td></tr>
<tr><th>Received</th><td>${escapeHtml(m.receivedAt)} (${m.size} bytes)</td></tr>
</table>
<h2>Text</h2><pre>${linkified(m.text)}</pre>
${m.html === null ? "" : `<h2>HTML</h2><iframe sandbox title="HTML part" srcdoc="${escapeHtml(m.html)}"></iframe>`}`,
  );
}
