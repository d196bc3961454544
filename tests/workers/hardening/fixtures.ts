import { env } from "cloudflare:test";
import { createApiKey } from "~/lib/api-keys/keys.server";
import { createConversation } from "~/lib/conversations/conversations.server";
import { createDb } from "~/lib/db/client";
import { connections, deliveries } from "~/lib/db/schema";
import { newId } from "~/lib/ids";
import { keyringFromEnv } from "~/lib/security/encryption";
import { createEndpoint } from "~/lib/webhooks/endpoints.server";
import type { BrowserClient } from "../../helpers/browser-client";
import { ACME } from "../../helpers/seed";

/** Strings that only Acme's rows contain: another company's pages must never show them. */
export const ACME_MARKERS = {
  connectionLabel: "acme-marker-workspace",
  endpointUrl: "https://acme-marker.example.com/hook",
  keyName: "acme-marker-key",
  contact: "acme-marker@example.com",
} as const;

export type AcmeFixtures = {
  /** By the param name page routes use (":id", ":keyId", ":provider"). */
  pageParams: Record<string, string>;
  /** By the /v1 resource a param names (the segment before it). */
  v1Ids: Record<string, string>;
  apiKeySecret: string;
};

const system = { type: "system" as const, id: null, label: "hardening test" };

/** Acme rows of every kind a route can name: a connection, a webhook endpoint, an API key, a conversation, a delivery. */
export async function createAcmeFixtures(): Promise<AcmeFixtures> {
  const db = createDb(env.DB);
  const now = new Date();
  const key = await createApiKey({
    db,
    companyId: ACME.id,
    actor: system,
    now,
    name: ACME_MARKERS.keyName,
    scopes: ["conversations:read", "webhooks:read"],
  });
  const created = await createEndpoint(
    { db, ring: await keyringFromEnv(env), policy: { production: true, allowLoopback: false }, companyId: ACME.id, actor: system, now },
    { url: ACME_MARKERS.endpointUrl, description: "acme marker endpoint", events: ["conversation.created"] },
  );
  if (!created.ok) throw new Error("fixture endpoint refused");
  const endpointId = created.value.endpoint.id;
  await db
    .insert(connections)
    .values({
      id: newId("conn", now),
      companyId: ACME.id,
      provider: "hubspot",
      status: "connected",
      accountLabel: ACME_MARKERS.connectionLabel,
      accountId: "acme-portal",
      connectedBy: "usr_john",
      connectedByEmail: ACME.adminEmail,
      connectedAt: now,
      config: {},
    })
    .onConflictDoNothing();
  const conv = await createConversation(
    { db, companyId: ACME.id, performedBy: { type: "system", id: null, name: null }, now },
    {
      channel: "api",
      contact: { email: ACME_MARKERS.contact, name: "Marker" },
      subject: "marker",
      message: { body: "marker", author: "contact" },
    },
  );
  const conversationId = conv.conversation.id;
  const eventRow = await env.DB.prepare("SELECT id FROM events WHERE company_id = ? ORDER BY id DESC LIMIT 1")
    .bind(ACME.id)
    .first<{ id: string }>();
  const deliveryId = newId("dlv", now);
  await db.insert(deliveries).values({
    id: deliveryId,
    companyId: ACME.id,
    eventId: eventRow!.id,
    targetKind: "webhook",
    targetId: endpointId,
    status: "failed",
    attempts: 1,
    createdAt: now,
    updatedAt: now,
  });
  return {
    pageParams: { id: endpointId, keyId: key.id, provider: "hubspot" },
    v1Ids: { conversations: conversationId, webhooks: endpointId, deliveries: deliveryId, hooks: endpointId, contacts: "pat@example.com" },
    apiKeySecret: key.secret,
  };
}

// ---- forms ----------------------------------------------------------------------------------

export type FormField = [name: string, value: string];
export type DiscoveredForm = { page: string; action: string; fields: FormField[] };

/**
 * Renders a page and returns one submission per POST form and submit button, with every field
 * as the page filled it in (hidden inputs, text, checked boxes, first option, textarea text).
 * Parsed with workerd's HTMLRewriter, so it reads the real server-rendered markup.
 */
export async function discoverForms(client: BrowserClient, page: string): Promise<DiscoveredForm[]> {
  const res = await client.get(page);
  if (res.status !== 200) {
    await res.body?.cancel();
    return [];
  }
  type Open = {
    action: string;
    fields: FormField[];
    buttons: FormField[];
    select: string | null;
    selectValue: boolean;
    textarea: FormField | null;
  };
  const found: DiscoveredForm[] = [];
  let open: Open | null = null;
  const rewriter = new HTMLRewriter()
    .on("form", {
      element(el) {
        if ((el.getAttribute("method") ?? "get").toLowerCase() !== "post") return;
        const action = el.getAttribute("action") ?? page;
        const form: Open = {
          action:
            new URL(action.replace(/&amp;/g, "&"), `http://localhost${page}`).pathname +
            new URL(action.replace(/&amp;/g, "&"), `http://localhost${page}`).search,
          fields: [],
          buttons: [],
          select: null,
          selectValue: false,
          textarea: null,
        };
        open = form;
        el.onEndTag(() => {
          const variants = form.buttons.length ? form.buttons.map((b) => [...form.fields, b]) : [form.fields];
          for (const fields of variants) found.push({ page, action: form.action, fields: fields.filter(([n]) => n !== "csrf") });
          open = null;
        });
      },
    })
    .on("input", {
      element(el) {
        const name = el.getAttribute("name");
        if (!open || !name) return;
        const type = (el.getAttribute("type") ?? "text").toLowerCase();
        if ((type === "checkbox" || type === "radio") && !el.hasAttribute("checked")) return;
        if (type === "submit") return void open.buttons.push([name, el.getAttribute("value") ?? ""]);
        open.fields.push([name, el.getAttribute("value") ?? (type === "checkbox" ? "on" : "")]);
      },
    })
    .on("button", {
      element(el) {
        const name = el.getAttribute("name");
        const type = (el.getAttribute("type") ?? "submit").toLowerCase();
        if (open && name && type === "submit") open.buttons.push([name, el.getAttribute("value") ?? ""]);
      },
    })
    .on("select", {
      element(el) {
        if (!open) return;
        open.select = el.getAttribute("name");
        open.selectValue = false;
      },
    })
    .on("option", {
      element(el) {
        if (!open?.select) return;
        const value = el.getAttribute("value") ?? "";
        if (el.hasAttribute("selected")) {
          open.fields = open.fields.filter(([n]) => n !== open!.select);
          open.fields.push([open.select, value]);
          open.selectValue = true;
        } else if (!open.selectValue) {
          open.fields.push([open.select, value]);
          open.selectValue = true;
        }
      },
    })
    .on("textarea", {
      element(el) {
        const name = el.getAttribute("name");
        if (!open || !name) return;
        const field: FormField = [name, ""];
        open.fields.push(field);
        open.textarea = field;
      },
      text(chunk) {
        if (open?.textarea) open.textarea[1] += chunk.text;
      },
    });
  await rewriter.transform(res).text();
  return found;
}

/** Unique by action + field names + intent value. */
export function uniqueForms(forms: DiscoveredForm[]): DiscoveredForm[] {
  const seen = new Set<string>();
  return forms.filter((f) => {
    const intent = f.fields.find(([n]) => n === "intent")?.[1] ?? "";
    const key = `${f.action.replace(/\?.*$/, "")}|${intent}|${f.fields
      .map(([n]) => n)
      .sort()
      .join(",")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function fieldsToRecord(fields: FormField[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of fields) (out[k] ??= []).push(v);
  return out;
}

/** Provider values worth rendering a :provider page with: Acme's connected one and a few kinds of catalog entry. */
export const PROVIDER_SAMPLES = ["hubspot", "salesforce", "slack", "zapier", "email-forwarding", "segment"];

/** Every GET URL of the admin pages, with Acme's fixture ids in the param slots. */
export function adminPageUrls(
  patterns: string[],
  fixtures: AcmeFixtures,
  fill: (p: string, v: Record<string, string>) => string,
): string[] {
  const urls = new Set<string>();
  for (const pattern of patterns) {
    const providers = pattern.includes(":provider") ? PROVIDER_SAMPLES : [fixtures.pageParams.provider!];
    for (const provider of providers) urls.add(fill(pattern, { ...fixtures.pageParams, provider }));
  }
  return [...urls];
}

/** Renders every admin page as the admin and returns every distinct POST form on them (logout excluded: it ends the session). */
export async function discoverAllForms(admin: BrowserClient, urls: string[]): Promise<DiscoveredForm[]> {
  const all: DiscoveredForm[] = [];
  for (const url of urls) all.push(...(await discoverForms(admin, url)));
  return uniqueForms(all.filter((f) => !f.action.startsWith("/logout")));
}
