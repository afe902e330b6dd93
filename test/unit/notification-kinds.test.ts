// Which booking events notify whom, the kinds' defaults, and the texts in both languages (pure).
import { describe, expect, it } from "vitest";
import {
  defaultChannels,
  isEssential,
  NOTIFICATION_KINDS,
  notificationsOfEvent,
} from "../../src/notifications/notification-kinds.ts";
import {
  formatWindow,
  NOTIFICATION_LANGUAGES,
  notificationLanguage,
  renderNotification,
} from "../../src/notifications/templates/index.ts";

describe("booking events → notifications", () => {
  it("tells the host of a waiting request and the driver of its answer", () => {
    expect(notificationsOfEvent("booking.requested", { booking: { status: "pending_approval" } })).toEqual([
      { kind: "booking_request", to: "host" },
    ]);
    expect(notificationsOfEvent("booking.requested", { booking: { status: "awaiting_payment" } })).toEqual(
      [],
    );
    expect(notificationsOfEvent("booking.requested", { booking: { status: "confirmed" } })).toEqual([
      { kind: "booking_confirmed", to: "driver" },
    ]);
    expect(notificationsOfEvent("booking.pending_approval", {})).toEqual([
      { kind: "booking_request", to: "host" },
    ]);
    expect(notificationsOfEvent("booking.confirmed", { from: "pending_approval" })).toEqual([
      { kind: "booking_approved", to: "driver" },
    ]);
    expect(notificationsOfEvent("booking.confirmed", { from: "awaiting_payment" })).toEqual([
      { kind: "booking_confirmed", to: "driver" },
    ]);
    expect(notificationsOfEvent("booking.cancelled", {}).map((n) => n.to)).toEqual(["driver", "host"]);
    expect(notificationsOfEvent("booking.payment_authorized", {})).toEqual([]);
    // A payload that is not an object still names the kind by event type.
    expect(notificationsOfEvent("booking.rejected", "garbage")).toEqual([
      { kind: "booking_rejected", to: "driver" },
    ]);
  });

  it("mails essential kinds by default and marks only the others for unsubscribe", () => {
    expect(defaultChannels("booking_request")).toEqual({ email: true, sms: false, push: true });
    expect(defaultChannels("booking_started").email).toBe(false);
    expect(isEssential("booking_cancelled")).toBe(true);
    expect(isEssential("booking_extended")).toBe(false);
  });
});

describe("texts", () => {
  it("has a subject and a text for every kind in every language", () => {
    for (const language of NOTIFICATION_LANGUAGES) {
      for (const kind of NOTIFICATION_KINDS) {
        const text = renderNotification(language, kind, {
          spaceTitle: "Garage Sol",
          window: "Mon 7 Dec, 10:00 – 12:00 (Europe/Madrid)",
          otherName: "Ana",
          role: "driver",
          reference: "abcd1234",
        });
        expect(text.subject).toContain("Garage Sol");
        expect(text.text).toContain("abcd1234");
        expect(`${text.subject}${text.text}`).not.toMatch(/undefined|null/);
      }
    }
  });

  it("picks the language and writes the window in the space's zone", () => {
    expect(notificationLanguage("es-ES")).toBe("es");
    expect(notificationLanguage("fr")).toBe("en");
    expect(notificationLanguage(null)).toBe("en");
    const start = Date.parse("2026-12-07T09:00:00Z");
    expect(formatWindow(start, start + 2 * 3_600_000, "Europe/Madrid", "en")).toBe(
      "Mon 7 Dec, 10:00 – 12:00 (Europe/Madrid)",
    );
    expect(formatWindow(start, start + 24 * 3_600_000, "Europe/Madrid", "es")).toMatch(
      /^lun 7 dic, 10:00 – mar 8 dic, 10:00 \(Europe\/Madrid\)$/,
    );
  });
});
