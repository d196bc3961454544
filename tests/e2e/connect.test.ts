import { execFileSync } from "node:child_process";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
// @ts-ignore: plain JS helpers shared with the scripts
import { root } from "../../scripts/lib.mjs";
import {
  axeViolations,
  connectedCard,
  fileBrowser,
  offLoopback,
  openPage,
  screenshot,
  signInThroughForm,
  type ViewportName,
} from "./browser";

const baseURL = inject("baseURL");
const sandboxURL = inject("sandboxURL");
const persistDir = inject("persistDir");
const shared = fileBrowser();

/** The KV keys of stored provider tokens, read from the local persisted state like an operator would. */
function tokenKeys(): string[] {
  const out = execFileSync(
    `${root}node_modules/.bin/wrangler`,
    ["kv", "key", "list", "--binding", "KV", "--local", "--persist-to", persistDir, "--prefix", "conn_tokens:"],
    {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  return (JSON.parse(out) as { name: string }[]).map((k) => k.name);
}

async function sandboxCalls(): Promise<{ kind: string; family: string; hasToken?: boolean }[]> {
  const res = await fetch(`${sandboxURL}/__sandbox/calls`);
  return ((await res.json()) as { calls: { kind: string; family: string; hasToken?: boolean }[] }).calls;
}

async function click(page: Page, name: string | RegExp, role: "button" | "link" = "button") {
  await page.getByRole(role, { name }).first().click();
  await page.waitForLoadState("load");
}

const runs: { js: boolean; viewport: ViewportName }[] = [
  { js: true, viewport: "desktop" },
  { js: false, viewport: "phone" },
];

describe.each(runs)("connecting Salesforce through the sandbox (JavaScript $js, $viewport)", ({ js, viewport }) => {
  it("Available → detail → consent → sandbox → success → card → configure → disconnect", async () => {
    const tag = `${viewport}-${js ? "js" : "nojs"}`;
    const { context, page, requests } = await openPage(shared.browser, { js, viewport });
    await signInThroughForm(page, baseURL, "john@acme.com");

    await page.goto(`${baseURL}/integrations/available?category=crm`);
    await page.getByRole("heading", { name: "Salesforce" }).first().waitFor();
    await expect(page.getByRole("heading", { name: "Slack" }).count()).resolves.toBe(0);
    await screenshot(page, `available-crm-${tag}`);
    expect(await axeViolations(page)).toEqual([]);

    await page.goto(`${baseURL}/integrations/available/salesforce`);
    await page.getByRole("dialog").waitFor();
    await screenshot(page, `detail-salesforce-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/integrations\/available\/salesforce\/connect$/), click(page, "Connect with Salesforce", "link")]);
    await page.getByText("You will be redirected to", { exact: false }).waitFor();
    await screenshot(page, `consent-salesforce-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(sandboxURL)), click(page, "Continue to Salesforce")]);

    await Promise.all([page.waitForURL(/\/integrations\/salesforce\/connected$/), click(page, "Allow")]);
    await page.getByText("Successfully connected to", { exact: false }).waitFor();
    await screenshot(page, `success-salesforce-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/integrations$/), click(page, "Done", "link")]);
    const card = connectedCard(page, "Salesforce");
    await card.waitFor();
    await expect(card.textContent()).resolves.toMatch(/Account: \S+/);
    await screenshot(page, `connected-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    expect(tokenKeys()).toHaveLength(1);

    await page.goto(`${baseURL}/integrations/salesforce/configure`);
    await page.getByRole("dialog").waitFor();
    await page.getByLabel("Create new customers as").selectOption("contact");
    await Promise.all([page.waitForURL(/\/integrations$/), click(page, "Save Changes")]);
    await page.goto(`${baseURL}/integrations/salesforce/configure`);
    await expect(page.getByLabel("Create new customers as").inputValue()).resolves.toBe("contact");

    await page.goto(`${baseURL}/integrations/salesforce/disconnect`);
    await page.getByRole("dialog").waitFor();
    await screenshot(page, `disconnect-salesforce-${tag}`);
    expect(await axeViolations(page)).toEqual([]);
    await Promise.all([page.waitForURL(/\/integrations$/), click(page, /^Disconnect$/)]);
    await connectedCard(page, "Salesforce").waitFor({ state: "detached" });
    expect(tokenKeys()).toEqual([]);
    expect((await sandboxCalls()).some((c) => c.kind === "revoke" && c.family === "salesforce" && c.hasToken)).toBe(true);

    // The only host other than the app was the provider sandbox, also on loopback.
    expect(offLoopback(requests)).toEqual([]);
    await context.close();
  });
});
