// The messages on a caller's reply channel: one reply (a replay), or a batch's replies as a JSON
// array; malformed items are dropped and counted, the good ones kept.
import { describe, expect, it } from "vitest";
import { decodeReplies } from "../../actors/runtime/envelope.ts";

const ok = { commandId: "c1", ok: true, value: { n: 1 } };
const refused = {
  commandId: "c2",
  ok: false,
  error: { code: "slot_unavailable", status: 409, message: "taken" },
};

describe("decodeReplies", () => {
  it("reads one reply alone", () => {
    expect(decodeReplies(JSON.stringify(ok))).toEqual({ replies: [ok], malformed: 0 });
  });

  it("reads a batch's replies in order", () => {
    expect(decodeReplies(`[${JSON.stringify(ok)},${JSON.stringify(refused)}]`)).toEqual({
      replies: [ok, refused],
      malformed: 0,
    });
  });

  it("keeps the good replies of a batch with malformed ones and counts those", () => {
    const raw = JSON.stringify([{ commandId: "", ok: true }, refused, 7, { ...ok, extra: 1 }]);
    expect(decodeReplies(raw)).toEqual({ replies: [refused], malformed: 3 });
  });

  it("drops a message that is not JSON", () => {
    expect(decodeReplies("{not json")).toEqual({ replies: [], malformed: 1 });
  });
});
