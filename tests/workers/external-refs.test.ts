import { beforeEach, describe, expect, it } from "vitest";
import { externalRefs as table } from "~/lib/db/schema";
import { externalRefs, STALE_CLAIM_MS } from "~/lib/integrations/external-refs.server";
import { ACME, GLOBEX } from "../helpers/seed";
import { db } from "./webhook-fixtures";

const refsFor = (owner: string, now = () => new Date(), companyId: string = ACME.id, provider = "hubspot") =>
  externalRefs({ db: db(), companyId, provider, now, owner });

beforeEach(async () => {
  await db().delete(table);
});

describe("external references", () => {
  it("two deliveries racing to create the same contact: exactly one wins the claim, one remote record is made", async () => {
    let creates = 0;
    const run = async (owner: string) => {
      const refs = refsFor(owner);
      const existing = await refs.lookup("contact", "jane@example.com");
      if (existing?.remoteId) return existing.remoteId;
      const claim = await refs.claim("contact", "jane@example.com");
      if (!claim.claimed) return "wait";
      creates++;
      await refs.complete("contact", "jane@example.com", { remoteId: `remote_${owner}`, remoteUrl: `https://crm.test/c/${owner}` });
      return `remote_${owner}`;
    };
    const results = await Promise.all([run("dlv_a"), run("dlv_b"), run("dlv_c")]);
    expect(creates).toBe(1);
    expect(results.filter((r) => r === "wait")).toHaveLength(2);
    const winner = results.find((r) => r !== "wait")!;
    expect(await refsFor("dlv_x").lookup("contact", "jane@example.com")).toMatchObject({ remoteId: winner });
    // The losers' retries find the stored id and create nothing.
    expect(await run("dlv_b")).toBe(winner);
    expect(creates).toBe(1);
  });

  it("a retry of the same delivery keeps its claim; a stale claim can be taken over; a released claim can be claimed again", async () => {
    const t0 = Date.now();
    const a = refsFor("dlv_a", () => new Date(t0));
    expect(await a.claim("contact", "x@example.com")).toEqual({ claimed: true });
    expect(await a.claim("contact", "x@example.com")).toEqual({ claimed: true });
    expect(await refsFor("dlv_b", () => new Date(t0 + 1000)).claim("contact", "x@example.com")).toMatchObject({
      claimed: false,
      ref: { remoteId: null },
    });
    expect(await refsFor("dlv_b", () => new Date(t0 + STALE_CLAIM_MS + 1000)).claim("contact", "x@example.com")).toEqual({ claimed: true });
    // dlv_a's late release does not free dlv_b's claim.
    await a.release("contact", "x@example.com");
    expect(await refsFor("dlv_c").claim("contact", "x@example.com")).toMatchObject({ claimed: false });
    await refsFor("dlv_b").release("contact", "x@example.com");
    expect(await refsFor("dlv_c").claim("contact", "x@example.com")).toEqual({ claimed: true });
  });

  it("linkExisting records a found (or 'duplicate') record; complete never overwrites another record; scoped by company and provider", async () => {
    await refsFor("dlv_a").linkExisting("contact", "y@example.com", { remoteId: "501", remoteUrl: "https://crm.test/c/501" });
    await refsFor("dlv_b").complete("contact", "y@example.com", { remoteId: "999" });
    expect(await refsFor("dlv_z").lookup("contact", "y@example.com")).toEqual({
      kind: "contact",
      localId: "y@example.com",
      remoteId: "501",
      remoteUrl: "https://crm.test/c/501",
    });
    expect(await refsFor("dlv_a", undefined, GLOBEX.id).lookup("contact", "y@example.com")).toBeNull();
    expect(await refsFor("dlv_a", undefined, ACME.id, "salesforce").lookup("contact", "y@example.com")).toBeNull();
    // A found record is final: nobody needs to claim.
    expect(await refsFor("dlv_c").claim("contact", "y@example.com")).toMatchObject({ claimed: false, ref: { remoteId: "501" } });
  });
});
