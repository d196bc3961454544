/**
 * The ActiveCampaign v3 calls the adapter makes on the account's API URL (typed by the admin, so
 * it passes the URL guard first), with the key in the `Api-Token` header: users/me to check a key,
 * the lists for the picker, contact sync (an upsert by email), the list subscription
 * (contactLists, status 1 = active), and tags (found by name or created once, then contactTags).
 */
import { type ClientDeps, type ErrorReader, field, requestJson } from "../provider-http.server";

const readError: ErrorReader = (status, body) => {
  const title = field(body, "errors", 0, "title");
  const detail = field(body, "errors", 0, "detail");
  return {
    message: [title, detail].filter(Boolean).join(": ") || field(body, "message") || `HTTP ${status}`,
    code: field(body, "errors", 0, "code"),
  };
};

type Id = string;

export function activeCampaignClient(deps: ClientDeps & { base: string; apiKey: string }) {
  const headers = { "Api-Token": deps.apiKey };
  const send = <T>(method: "GET" | "POST", path: string, body?: unknown) =>
    requestJson<T>(deps, "ActiveCampaign", { method, url: `${deps.base}${path}`, headers, body }, readError);

  return {
    async me(): Promise<{ id: Id; email: string | null; username: string | null }> {
      const { data } = await send<{ user?: { id?: string | number; email?: string; username?: string } }>("GET", "/api/3/users/me");
      return { id: String(data.user?.id ?? ""), email: data.user?.email ?? null, username: data.user?.username ?? null };
    },
    async lists(): Promise<{ id: Id; name: string }[]> {
      const { data } = await send<{ lists?: { id: string | number; name: string }[] }>("GET", "/api/3/lists?limit=100");
      return (data.lists ?? []).map((l) => ({ id: String(l.id), name: l.name }));
    },
    async syncContact(input: { email: string; firstName: string | null; lastName: string | null }): Promise<Id> {
      const contact: Record<string, string> = { email: input.email };
      if (input.firstName) contact.firstName = input.firstName;
      if (input.lastName) contact.lastName = input.lastName;
      const { data } = await send<{ contact: { id: string | number } }>("POST", "/api/3/contact/sync", { contact });
      return String(data.contact.id);
    },
    async subscribe(contactId: Id, listId: Id): Promise<void> {
      await send("POST", "/api/3/contactLists", { contactList: { list: Number(listId), contact: Number(contactId), status: 1 } });
    },
    async findTag(name: string): Promise<Id | null> {
      const { data } = await send<{ tags?: { id: string | number; tag: string; tagType?: string }[] }>(
        "GET",
        `/api/3/tags?${new URLSearchParams({ search: name })}`,
      );
      const hit = (data.tags ?? []).find((t) => t.tag.toLowerCase() === name.toLowerCase() && (t.tagType ?? "contact") === "contact");
      return hit ? String(hit.id) : null;
    },
    async createTag(name: string): Promise<Id> {
      const { data } = await send<{ tag: { id: string | number } }>("POST", "/api/3/tags", {
        tag: { tag: name, tagType: "contact", description: "Added by Integrations Hub" },
      });
      return String(data.tag.id);
    },
    async tagContact(contactId: Id, tagId: Id): Promise<void> {
      await send("POST", "/api/3/contactTags", { contactTag: { contact: contactId, tag: tagId } });
    },
  };
}
