// The small checks a listing passes through: country, currency and time-zone codes, image magic bytes,
// and the local object storage (round trip, missing keys, keys that try to leave the folder).
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalTimeZone, isCountryCode, isCurrencyCode } from "../../src/domain/locale-codes.ts";
import { sniffImageType } from "../../src/storage/image-content-type.ts";
import { LocalObjectStorage } from "../../src/storage/local-object-storage.ts";
import { jpegBytes, pngBytes, webpBytes } from "../support/space-fixtures.ts";

describe("locale codes", () => {
  it("knows ISO 3166-1 countries and ISO 4217 currencies", () => {
    for (const code of ["ES", "US", "GB", "PT", "MX"]) expect(isCountryCode(code)).toBe(true);
    for (const code of ["XX", "UK", "EU", "es", "ESP", ""]) expect(isCountryCode(code)).toBe(false);
    for (const code of ["EUR", "USD", "JPY", "GBP"]) expect(isCurrencyCode(code)).toBe(true);
    for (const code of ["EUX", "eur", "EURO", ""]) expect(isCurrencyCode(code)).toBe(false);
  });

  it("canonicalizes IANA zones and refuses offsets and unknown names", () => {
    expect(canonicalTimeZone("Europe/Madrid")).toBe("Europe/Madrid");
    expect(canonicalTimeZone("america/new_york")).toBe("America/New_York");
    expect(canonicalTimeZone("Atlantic/Canary")).toBe("Atlantic/Canary");
    for (const bad of ["Europe/Atlantis", "+01:00", "GMT+1", "", "../etc/passwd", "Europe/Madrid "]) {
      expect(canonicalTimeZone(bad)).toBeUndefined();
    }
  });
});

describe("sniffImageType", () => {
  it("tells JPEG, PNG and WebP by their first bytes and nothing else", () => {
    expect(sniffImageType(jpegBytes())).toBe("image/jpeg");
    expect(sniffImageType(pngBytes())).toBe("image/png");
    expect(sniffImageType(webpBytes())).toBe("image/webp");
    expect(sniffImageType(new TextEncoder().encode("GIF89a...."))).toBeUndefined();
    expect(sniffImageType(new TextEncoder().encode("RIFF....WAVE"))).toBeUndefined();
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageType(new Uint8Array())).toBeUndefined();
  });
});

describe("LocalObjectStorage", () => {
  it("puts, gets and deletes objects under its folder", async () => {
    const root = mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "objects-unit-"));
    const storage = new LocalObjectStorage(root);
    const bytes = pngBytes(100);
    await storage.put("spaces/a/b.png", bytes, "image/png");
    expect(await storage.get("spaces/a/b.png")).toEqual({ bytes, contentType: "image/png" });
    expect(readdirSync(join(root, "spaces", "a")).sort()).toEqual(["b.png", "b.png.type"]);
    await storage.delete("spaces/a/b.png");
    expect(await storage.get("spaces/a/b.png")).toBeUndefined();
    await storage.delete("spaces/a/never-there.png");
  });

  it("refuses keys that could leave its folder", async () => {
    const storage = new LocalObjectStorage(
      mkdtempSync(join(process.env.TEST_DATA_DIR ?? tmpdir(), "objects-unit-")),
    );
    for (const key of ["../x", "a/../../x", "/etc/passwd", "a//b", "", ".hidden", "a/./b"]) {
      await expect(storage.put(key, new Uint8Array([1]), "image/png")).rejects.toThrow(/invalid object key/);
    }
  });
});
