import { describe, expect, it } from "vitest";
import { nextReadSize } from "../../src/search/search-service.ts";

describe("the size of a search's next read", () => {
  it("takes the doubled size when nothing is known or nothing checked was bookable", () => {
    expect(nextReadSize(72, 21, 0, 0)).toBe(72);
    expect(nextReadSize(72, 21, 36, 0)).toBe(72);
  });

  it("takes what is still wanted at the bookable share seen so far, half again, plus four", () => {
    // 18 of 36 bookable: 3 more wanted need about 6 candidates; half again is 9, plus four is 13.
    expect(nextReadSize(72, 3, 36, 18)).toBe(13);
    // 9 of 36 bookable: 5 more wanted need 20; half again is 30, plus four is 34.
    expect(nextReadSize(72, 5, 36, 9)).toBe(34);
  });

  it("never reads more than the doubled size", () => {
    expect(nextReadSize(72, 20, 36, 2)).toBe(72);
    expect(nextReadSize(400, 101, 150, 10)).toBe(400);
  });

  it("takes the doubled size once the wanted results are all checked and only wait to be listed", () => {
    expect(nextReadSize(72, 0, 36, 30)).toBe(72);
    expect(nextReadSize(72, -2, 36, 30)).toBe(72);
  });
});
