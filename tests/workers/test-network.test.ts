import { describe, expect, it } from "vitest";

describe("the test network", () => {
  it("a fetch to a non-loopback host never leaves the machine", async () => {
    const res = await fetch("https://example.com/anything");
    expect(res.status).toBe(502);
    expect(res.headers.get("X-Test-Network")).toBe("blocked");
  });
});
