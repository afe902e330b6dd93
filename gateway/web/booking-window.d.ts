// Types of the browser module booking-window.js (plain JS, served as is), for the unit tests.
export interface BookableWindow {
  start: number;
  end: number;
  fits: boolean;
}

export function nextBookableWindow(space: {
  now: number;
  minNoticeMinutes: number;
  minDurationMinutes: number;
  maxDurationMinutes: number | null;
  free: ReadonlyArray<{ start: number; end: number }>;
}): BookableWindow;
