// The window a click on the live map books (gateway/web/booking-window.js, the browser module): the
// next whole quarter hour past the notice, an hour or the space's own bounds, inside a free interval.
import { describe, expect, it } from "vitest";
import { nextBookableWindow } from "../../gateway/web/booking-window.js";

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);
const open = (from: string, to: string) => ({ start: at(from), end: at(to) });
const rules = { minNoticeMinutes: 0, minDurationMinutes: 30, maxDurationMinutes: null };

describe("nextBookableWindow", () => {
  it("starts at the next whole quarter hour, a minute of slack past now, and lasts an hour", () => {
    const now = at("2027-03-10T10:07:30Z");
    const free = [open("2027-03-10T10:07:00Z", "2027-03-11T00:00:00Z")];
    expect(nextBookableWindow({ now, ...rules, free })).toEqual({
      start: at("2027-03-10T10:15:00Z"),
      end: at("2027-03-10T11:15:00Z"),
      fits: true,
    });
    // On a quarter hour exactly, the minute of slack moves it to the next one.
    const onTheQuarter = nextBookableWindow({ now: at("2027-03-10T10:15:00Z"), ...rules, free });
    expect(new Date(onTheQuarter.start).toISOString()).toBe("2027-03-10T10:30:00.000Z");
  });

  it("waits for the space's notice", () => {
    const now = at("2027-03-10T10:07:30Z");
    const free = [open("2027-03-10T10:07:00Z", "2027-03-11T00:00:00Z")];
    const slot = nextBookableWindow({ now, ...rules, minNoticeMinutes: 120, free });
    expect(new Date(slot.start).toISOString()).toBe("2027-03-10T12:15:00.000Z");
  });

  it("keeps to the space's minimum and maximum stay", () => {
    const now = at("2027-03-10T10:00:00Z");
    const free = [open("2027-03-10T10:00:00Z", "2027-03-11T00:00:00Z")];
    const longer = nextBookableWindow({ now, ...rules, minDurationMinutes: 180, free });
    expect((longer.end - longer.start) / MINUTE).toBe(180);
    const shorter = nextBookableWindow({ now, ...rules, maxDurationMinutes: 45, free });
    expect((shorter.end - shorter.start) / MINUTE).toBe(45);
  });

  it("skips free intervals too short for the stay and starts on a quarter hour inside the next", () => {
    const now = at("2027-03-10T10:00:00Z");
    const free = [
      open("2027-03-10T13:07:00Z", "2027-03-11T00:00:00Z"),
      open("2027-03-10T10:00:00Z", "2027-03-10T10:50:00Z"),
    ];
    expect(nextBookableWindow({ now, ...rules, free })).toEqual({
      start: at("2027-03-10T13:15:00Z"),
      end: at("2027-03-10T14:15:00Z"),
      fits: true,
    });
  });

  it("answers the earliest window, marked as not fitting, when nothing is free", () => {
    const now = at("2027-03-10T10:00:00Z");
    expect(nextBookableWindow({ now, ...rules, free: [] })).toEqual({
      start: at("2027-03-10T10:15:00Z"),
      end: at("2027-03-10T11:15:00Z"),
      fits: false,
    });
  });
});
