/**
 * The Mailchimp Marketing API calls the adapter makes, on the account's data center
 * (`https://{dc}.api.mailchimp.com`, the `dc` of the OAuth metadata; MAILCHIMP_API_BASE is the
 * template the sandbox points at itself): the audiences for the picker, "add or update list member"
 * (`PUT /3.0/lists/{list_id}/members/{subscriber_hash}`, the hash being the MD5 of the lowercased
 * email; `status_if_new: "pending"` sends Mailchimp's double opt-in email and leaves an existing
 * member's status alone) and the member's tags. Errors are RFC 7807 problem documents.
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import { type ClientDeps, type ErrorReader, field, providerBase, requestJson } from "../provider-http.server";

export const MAILCHIMP_LOGIN_DEFAULT = "https://login.mailchimp.com";
export const MAILCHIMP_API_DEFAULT = "https://{dc}.api.mailchimp.com";

const readError: ErrorReader = (status, body) => {
  const title = field(body, "title");
  const detail = field(body, "detail");
  const first = field(body, "errors", 0, "message");
  return { message: [title, detail, first].filter(Boolean).join(": ") || `HTTP ${status}`, code: title };
};

export async function subscriberHash(email: string): Promise<string> {
  const digest = await crypto.subtle.digest("MD5", new TextEncoder().encode(email.trim().toLowerCase()));
  return encodeHexLowerCase(new Uint8Array(digest));
}

export type MailchimpMetadata = { dc: string; apiEndpoint: string | null; accountName: string | null; userId: string | null };

/** The OAuth metadata endpoint: which data center (and account) a token belongs to. */
export async function mailchimpMetadata(deps: ClientDeps & { env: Record<string, unknown>; token: string }): Promise<MailchimpMetadata> {
  const base = providerBase(deps.env, "MAILCHIMP_BASE", MAILCHIMP_LOGIN_DEFAULT);
  const { data } = await requestJson<unknown>(
    deps,
    "Mailchimp",
    { method: "GET", url: `${base}/oauth2/metadata`, headers: { Authorization: `OAuth ${deps.token}` } },
    (status, body) => ({ message: field(body, "error") ?? `HTTP ${status}` }),
  );
  return {
    dc: field(data, "dc") ?? "",
    apiEndpoint: field(data, "api_endpoint"),
    accountName: field(data, "accountname"),
    userId: field(data, "user_id"),
  };
}

export type MailchimpMember = { id: string; status: string; web_id?: number };

export function mailchimpClient(deps: ClientDeps & { env: Record<string, unknown>; token: string; dc: string }) {
  const base = providerBase(deps.env, "MAILCHIMP_API_BASE", MAILCHIMP_API_DEFAULT, { dc: deps.dc });
  const headers = { Authorization: `Bearer ${deps.token}` };
  const send = <T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown) =>
    requestJson<T>(deps, "Mailchimp", { method, url: `${base}${path}`, headers, body }, readError);
  const member = (listId: string, hash: string) => `/3.0/lists/${encodeURIComponent(listId)}/members/${hash}`;

  return {
    async lists(): Promise<{ id: string; name: string }[]> {
      const q = new URLSearchParams({ fields: "lists.id,lists.name,total_items", count: "1000" });
      const { data } = await send<{ lists?: { id: string; name: string }[] }>("GET", `/3.0/lists?${q}`);
      return (data.lists ?? []).map((l) => ({ id: l.id, name: l.name }));
    },
    async upsertMember(listId: string, input: { email: string; firstName: string | null; lastName: string | null }) {
      const hash = await subscriberHash(input.email);
      const mergeFields: Record<string, string> = {};
      if (input.firstName) mergeFields.FNAME = input.firstName;
      if (input.lastName) mergeFields.LNAME = input.lastName;
      const body = {
        email_address: input.email,
        status_if_new: "pending",
        ...(Object.keys(mergeFields).length ? { merge_fields: mergeFields } : {}),
      };
      const { data, status } = await send<MailchimpMember>("PUT", member(listId, hash), body);
      return { hash, member: data, status };
    },
    async addTags(listId: string, hash: string, tags: string[]): Promise<void> {
      await send("POST", `${member(listId, hash)}/tags`, { tags: tags.map((name) => ({ name, status: "active" })) });
    },
  };
}
