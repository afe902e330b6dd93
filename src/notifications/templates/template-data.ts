// What a notification's text is made from, and the shape of one language's templates: a subject and a
// plain-text body per kind (the HTML part is made from the text, src/mail/mail-html.ts).
import type { NotificationKind } from "../notification-kinds.ts";

export interface TemplateData {
  /** The space's title as its host wrote it. */
  spaceTitle: string;
  /** The booking's window, already written in the space's time zone and the reader's language. */
  window: string;
  /** The other party's first name: the driver for a host, the host for a driver. */
  otherName: string;
  /** Who reads it. */
  role: "driver" | "host";
  /** A short reference of the booking (the start of its id). */
  reference: string;
}

export interface RenderedNotification {
  subject: string;
  text: string;
}

export type LanguageTemplates = Record<NotificationKind, (data: TemplateData) => RenderedNotification>;
