// Stripe's form encoding as the local Stripe-compatible server decodes it, from what the SDK sends.
import { describe, expect, it } from "vitest";
import { decodeForm } from "../../devstack/stripe-server/form.ts";

describe("Stripe form decoding", () => {
  it("nests a[b][c]=v into objects and a[0]=x or a[]=x into lists", () => {
    const body =
      "amount=2400&currency=eur&transfer_data[destination]=acct_1&metadata[booking_id]=b%201&expand[0]=latest_charge&expand[1]=customer&types[]=a.b&types[]=c.d";
    expect(decodeForm(body)).toEqual({
      amount: "2400",
      currency: "eur",
      transfer_data: { destination: "acct_1" },
      metadata: { booking_id: "b 1" },
      expand: ["latest_charge", "customer"],
      types: ["a.b", "c.d"],
    });
  });

  it("decodes percent-encoded brackets and keeps list order by index", () => {
    expect(decodeForm("items%5B1%5D%5Bx%5D=2&items%5B0%5D%5Bx%5D=1")).toEqual({
      items: [{ x: "1" }, { x: "2" }],
    });
  });

  it("keeps an empty value (Stripe's way to unset a field) and a malformed key whole", () => {
    expect(decodeForm("description=&a]b=1")).toEqual({ description: "", "a]b": "1" });
  });
});
