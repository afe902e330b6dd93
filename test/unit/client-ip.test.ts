// The client address behind trusted proxies: counted from the right of X-Forwarded-For, never the left.
import { describe, expect, it } from "vitest";
import { clientAddress } from "../../gateway/http/client-ip.ts";

describe("clientAddress", () => {
  it("without trusted proxies is the socket's peer, whatever the header says", () => {
    expect(clientAddress("1.1.1.1", "10.0.0.5", 0)).toBe("10.0.0.5");
    expect(clientAddress(undefined, undefined, 0)).toBe("unknown");
  });

  it("behind n proxies is the entry n hops from the right", () => {
    expect(clientAddress("6.6.6.6, 203.0.113.7", "10.0.0.1", 1)).toBe("203.0.113.7");
    expect(clientAddress("6.6.6.6, 203.0.113.7, 10.0.0.2", "10.0.0.1", 2)).toBe("203.0.113.7");
    expect(clientAddress(" 203.0.113.7 ", "10.0.0.1", 1)).toBe("203.0.113.7");
  });

  it("a shorter list gives its left-most entry; none gives the peer", () => {
    expect(clientAddress("203.0.113.7", "10.0.0.1", 3)).toBe("203.0.113.7");
    expect(clientAddress(" , ", "10.0.0.1", 1)).toBe("10.0.0.1");
    expect(clientAddress(undefined, "10.0.0.1", 1)).toBe("10.0.0.1");
  });
});
