import { describe, expect, it, vi } from "vitest";
import { signIn } from "../helpers/browser-client";

describe("smoke", () => {
  it("pages", async () => {
    const c = await signIn("john@acme.com");
    for (const p of ["/integrations", "/integrations/available", "/integrations/available?q=sales&category=crm", "/integrations/available/slack", "/integrations/salesforce/connect", "/integrations/segment/connect", "/integrations/email-forwarding/connect", "/integrations/zapier/connect"]) {
      const r = await c.get(p);
      const t = await r.text();
      console.log(p, r.status, t.length, r.status !== 200 ? t.slice(0, 500) : "");
    }
    const calls: string[] = [];
    vi.stubGlobal("fetch", async (req: Request) => { calls.push(req.url); return new Response("{}"); });
    const r = await c.post("/integrations/email-forwarding/connect", { intent: "enable" });
    console.log(r.status, r.headers.get("location"));
    const page = await (await c.get("/integrations")).text();
    console.log(page.includes("support@acme."), page.match(/Connected Integrations \(\d+\)/)?.[0]);
    const cfg = await c.get("/integrations/email-forwarding/configure");
    const ct = await cfg.text();
    console.log(cfg.status, ct.slice(ct.indexOf("Connected by"), ct.indexOf("Connected by") + 1500));
    vi.unstubAllGlobals();
  });
});
