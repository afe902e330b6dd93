// The HTML part of a mail, made from its text: paragraphs of escaped text, and the action link as a
// button. Until mails have templates of their own, text and HTML say the same thing.
import type { Mail } from "./mailer.ts";

/** Text made safe inside HTML elements and quoted attributes. */
export const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

export function mailHtml(mail: Mail): string {
  const paragraphs = mail.text
    .split(/\n+/)
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const escaped = escapeHtml(line);
      if (!mail.link) return `<p>${escaped}</p>`;
      const link = escapeHtml(mail.link);
      return `<p>${escaped.split(link).join(`<a href="${link}">${link}</a>`)}</p>`;
    });
  const button = mail.link
    ? `<p><a href="${escapeHtml(mail.link)}" style="display:inline-block;padding:10px 18px;background:#1f6feb;color:#fff;text-decoration:none;border-radius:4px">Open the link</a></p>`
    : "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(mail.subject)}</title></head>
<body style="font-family:sans-serif;font-size:15px;line-height:1.4;color:#222">
${paragraphs.join("\n")}
${button}
</body></html>`;
}
