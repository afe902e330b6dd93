// Renders a notification in the reader's language: Spanish for `es` and `es-*`, English otherwise.
// The booking's window is written in the space's time zone, in the reader's locale.
import { DateTime } from "luxon";
import type { NotificationKind } from "../notification-kinds.ts";
import { en } from "./en.ts";
import { es } from "./es.ts";
import type { LanguageTemplates, RenderedNotification, TemplateData } from "./template-data.ts";

export type { RenderedNotification, TemplateData };

export const NOTIFICATION_LANGUAGES = ["en", "es"] as const;
export type NotificationLanguage = (typeof NOTIFICATION_LANGUAGES)[number];

const templates: Record<NotificationLanguage, LanguageTemplates> = { en, es };

/** The language a user's `user_preferences.language` (e.g. `es-ES`) is written to in. */
export function notificationLanguage(preference: string | null | undefined): NotificationLanguage {
  const base = (preference ?? "").slice(0, 2).toLowerCase();
  return (NOTIFICATION_LANGUAGES as readonly string[]).includes(base) ? (base as NotificationLanguage) : "en";
}

/** "Mon 7 Dec, 10:00 – 12:00 (Europe/Madrid)", or with both dates when the window spans days. */
export function formatWindow(
  startMs: number,
  endMs: number,
  timeZone: string,
  language: NotificationLanguage,
): string {
  const start = DateTime.fromMillis(startMs, { zone: timeZone }).setLocale(language);
  const end = DateTime.fromMillis(endMs, { zone: timeZone }).setLocale(language);
  const day = "ccc d LLL";
  const sameDay = start.hasSame(end, "day");
  const to = sameDay ? end.toFormat("HH:mm") : `${end.toFormat(day)}, ${end.toFormat("HH:mm")}`;
  return `${start.toFormat(day)}, ${start.toFormat("HH:mm")} – ${to} (${timeZone})`;
}

export function renderNotification(
  language: NotificationLanguage,
  kind: NotificationKind,
  data: TemplateData,
): RenderedNotification {
  return templates[language][kind](data);
}
