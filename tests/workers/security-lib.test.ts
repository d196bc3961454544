import { describe, expect, it } from "vitest";
import { redact } from "~/lib/audit.server";
import { newId } from "~/lib/ids";
import { viewerLocale } from "~/lib/locale";
import { checkOrigin } from "~/lib/security/csrf";
import { aad, DecryptionError, decryptSecret, encryptSecret, keyringFromEnv } from "~/lib/security/encryption";
import { hashPassword, verifyPassword } from "~/lib/security/password";
import { safeRedirect } from "~/lib/security/safe-redirect";

describe("safeRedirect", () => {
  it("keeps same-origin paths with their query and hash", () => {
    expect(safeRedirect("/integrations/available?q=slack#x")).toBe("/integrations/available?q=slack#x");
  });
  it.each([
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "evil",
    "",
    "/\n/evil.example",
    "/%0a/x\\y",
  ])("refuses %j", (to) => {
    expect(safeRedirect(to, "/fallback")).toBe("/fallback");
  });
  it("refuses non-strings", () => {
    expect(safeRedirect(["/x"], "/f")).toBe("/f");
    expect(safeRedirect(null, "/f")).toBe("/f");
  });
});

describe("passwords", () => {
  it("a hash verifies its password and not another, and two hashes of one password differ (per-user salt)", async () => {
    const a = await hashPassword("correct horse", 1000);
    const b = await hashPassword("correct horse", 1000);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^pbkdf2-sha256\$1000\$/);
    expect(await verifyPassword("correct horse", a)).toBe(true);
    expect(await verifyPassword("correct horsE", a)).toBe(false);
  });
  it("a malformed or over-expensive stored hash never verifies", async () => {
    expect(await verifyPassword("x", "plain")).toBe(false);
    expect(await verifyPassword("x", "pbkdf2-sha256$999999999$AAAA$AAAA")).toBe(false);
  });
});

describe("secret encryption", () => {
  const env = { ENCRYPTION_KEYS: "new:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,old:HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=" };
  it("round-trips, is not plaintext, and uses a fresh IV each time", async () => {
    const ring = await keyringFromEnv(env);
    const a = await encryptSecret(ring, "xoxb-secret-token", aad("co_1", "conn_1"));
    const b = await encryptSecret(ring, "xoxb-secret-token", aad("co_1", "conn_1"));
    expect(a).not.toContain("xoxb");
    expect(a).not.toBe(b);
    expect(a.startsWith("v1.new.")).toBe(true);
    expect(await decryptSecret(ring, a, aad("co_1", "conn_1"))).toBe("xoxb-secret-token");
  });
  it("does not decrypt under another record's AAD", async () => {
    const ring = await keyringFromEnv(env);
    const sealed = await encryptSecret(ring, "s3cret", aad("co_1", "conn_1"));
    await expect(decryptSecret(ring, sealed, aad("co_2", "conn_1"))).rejects.toBeInstanceOf(DecryptionError);
    await expect(decryptSecret(ring, sealed, aad("co_1", "conn_2"))).rejects.toBeInstanceOf(DecryptionError);
  });
  it("still decrypts values sealed with an older key after rotation", async () => {
    const oldRing = await keyringFromEnv({ ENCRYPTION_KEYS: "old:HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=" });
    const sealed = await encryptSecret(oldRing, "legacy", aad("c", "r"));
    expect(await decryptSecret(await keyringFromEnv(env), sealed, aad("c", "r"))).toBe("legacy");
  });
  it("a tampered ciphertext is refused", async () => {
    const ring = await keyringFromEnv(env);
    const sealed = await encryptSecret(ring, "s3cret", aad("c", "r"));
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === "A" ? "B" : "A") + sealed.slice(-2);
    await expect(decryptSecret(ring, flipped, aad("c", "r"))).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe("Origin check", () => {
  const req = (headers: Record<string, string>) => new Request("https://hub.example/x", { method: "POST", headers });
  it("accepts the same origin and refuses another", () => {
    expect(checkOrigin(req({ Origin: "https://hub.example" })).ok).toBe(true);
    expect(checkOrigin(req({ Origin: "https://evil.example" })).ok).toBe(false);
    expect(checkOrigin(req({ Origin: "null" })).ok).toBe(false);
  });
  it("without Origin, falls back to Sec-Fetch-Site", () => {
    expect(checkOrigin(req({ "Sec-Fetch-Site": "cross-site" })).ok).toBe(false);
    expect(checkOrigin(req({ "Sec-Fetch-Site": "same-origin" })).ok).toBe(true);
  });
});

describe("ids", () => {
  it("sort by creation time", () => {
    const a = newId("evt", new Date(1_700_000_000_000));
    const b = newId("evt", new Date(1_700_000_000_001));
    expect(a < b).toBe(true);
    expect(a).toMatch(/^evt_[0-9a-z]{26}$/);
  });
});

describe("audit redaction", () => {
  it("removes secret-looking keys and values", () => {
    const out = redact({
      token: "abc",
      note: "key sk_live_abcdefghijklmnopqrstuvwxyz123456 and whsec_AAAA",
      nested: { client_secret: "x", last4: "abcd" },
    });
    expect(JSON.stringify(out)).not.toMatch(/sk_live_a|whsec_A|"abc"|"x"/);
    expect(out).toMatchObject({ nested: { last4: "abcd" } });
  });
});

describe("viewer locale", () => {
  it("takes the first valid Accept-Language tag", () => {
    expect(viewerLocale("de-DE,de;q=0.9,en;q=0.8")).toBe("de-DE");
    expect(viewerLocale("*;q=0.5, not a locale!, fr")).toBe("fr");
    expect(viewerLocale(null)).toBe("en-US");
  });
});
